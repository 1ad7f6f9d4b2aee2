CREATE TABLE events (
    id bigint NOT NULL,
    at date NOT NULL,
    kind text,
    CONSTRAINT events_kind_check CHECK (kind <> '')
) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
