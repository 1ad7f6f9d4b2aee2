CREATE TABLE measurements (
    id bigint NOT NULL,
    taken date NOT NULL,
    value double precision
) PARTITION BY RANGE (taken);
CREATE TABLE measurements_2023 PARTITION OF measurements FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE measurements_2024 (
    id bigint NOT NULL,
    taken date NOT NULL,
    value double precision
);
CREATE TABLE measurements_old PARTITION OF measurements FOR VALUES FROM ('2000-01-01') TO ('2023-01-01');
