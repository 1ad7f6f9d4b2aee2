-- The record shop of tests/acceptance/music/schema.sql for MySQL/MariaDB (10.11): the same
-- tables, columns, keys and checks, spelled as a MySQL team writes them.
--
-- What differs, because MySQL cannot say it the PostgreSQL way: identities are AUTO_INCREMENT;
-- track.tags is a JSON array (MySQL has no arrays); timestamptz is DATETIME(6) (MySQL keeps no
-- zone with a value); reporting.daily_sales is daily_sales (a MySQL schema is a database of its
-- own, and the migration runs in the one DATABASE_URL names). Text compares under
-- utf8mb4_unicode_ci, the server's usual case-insensitive collation.

CREATE TABLE `artist` (
  `artist_id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(120) NOT NULL,
  `country` text,
  PRIMARY KEY (`artist_id`),
  CONSTRAINT `artist_name_key` UNIQUE (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `genre` (
  `genre_id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(60) NOT NULL,
  PRIMARY KEY (`genre_id`),
  UNIQUE KEY `genre_name_key` (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `album` (
  `album_id` int NOT NULL AUTO_INCREMENT,
  `title` varchar(160) NOT NULL,
  `artist_id` int NOT NULL,
  `released` date DEFAULT NULL,
  PRIMARY KEY (`album_id`),
  KEY `album_artist_id_idx` (`artist_id`),
  CONSTRAINT `album_artist_id_fkey` FOREIGN KEY (`artist_id`) REFERENCES `artist` (`artist_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `track` (
  `track_id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(200) NOT NULL,
  `album_id` int DEFAULT NULL,
  `genre_id` int DEFAULT NULL,
  `composer` varchar(220) DEFAULT NULL,
  `milliseconds` int NOT NULL,
  `unit_price` decimal(10,2) NOT NULL DEFAULT 0.99,
  `tags` json NOT NULL DEFAULT '[]',
  `version` int NOT NULL DEFAULT 1,
  `deleted_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`track_id`),
  KEY `track_album_id_idx` (`album_id`),
  CONSTRAINT `track_album_id_fkey` FOREIGN KEY (`album_id`) REFERENCES `album` (`album_id`),
  CONSTRAINT `track_genre_id_fkey` FOREIGN KEY (`genre_id`) REFERENCES `genre` (`genre_id`),
  CONSTRAINT `track_milliseconds_check` CHECK (`milliseconds` > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `customer` (
  `customer_id` int NOT NULL AUTO_INCREMENT,
  `first_name` varchar(40) NOT NULL,
  `last_name` varchar(20) NOT NULL,
  `email` varchar(60) NOT NULL,
  `country` varchar(40) DEFAULT NULL,
  `is_deleted` tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (`customer_id`),
  UNIQUE KEY `customer_email_key` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `invoice` (
  `invoice_id` int NOT NULL AUTO_INCREMENT,
  `customer_id` int NOT NULL,
  `invoice_date` datetime(6) NOT NULL DEFAULT current_timestamp(6),
  `billing_country` varchar(40) DEFAULT NULL,
  `total` decimal(10,2) NOT NULL DEFAULT 0,
  PRIMARY KEY (`invoice_id`),
  CONSTRAINT `invoice_customer_id_fkey` FOREIGN KEY (`customer_id`) REFERENCES `customer` (`customer_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `invoice_line` (
  `invoice_line_id` int NOT NULL AUTO_INCREMENT,
  `invoice_id` int NOT NULL,
  `track_id` int NOT NULL,
  `unit_price` decimal(10,2) NOT NULL,
  `quantity` int NOT NULL,
  PRIMARY KEY (`invoice_line_id`),
  CONSTRAINT `invoice_line_invoice_id_fkey` FOREIGN KEY (`invoice_id`) REFERENCES `invoice` (`invoice_id`),
  CONSTRAINT `invoice_line_track_id_fkey` FOREIGN KEY (`track_id`) REFERENCES `track` (`track_id`),
  CONSTRAINT `invoice_line_quantity_check` CHECK (`quantity` > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `playlist` (
  `playlist_id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(120) NOT NULL,
  PRIMARY KEY (`playlist_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `playlist_track` (
  `playlist_id` int NOT NULL,
  `track_id` int NOT NULL,
  PRIMARY KEY (`playlist_id`, `track_id`),
  CONSTRAINT `playlist_track_playlist_id_fkey` FOREIGN KEY (`playlist_id`) REFERENCES `playlist` (`playlist_id`),
  CONSTRAINT `playlist_track_track_id_fkey` FOREIGN KEY (`track_id`) REFERENCES `track` (`track_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `track_rating` (
  `customer_id` int NOT NULL,
  `track_id` int NOT NULL,
  `stars` smallint NOT NULL,
  `note` text,
  PRIMARY KEY (`customer_id`, `track_id`),
  CONSTRAINT `track_rating_customer_id_fkey` FOREIGN KEY (`customer_id`) REFERENCES `customer` (`customer_id`),
  CONSTRAINT `track_rating_track_id_fkey` FOREIGN KEY (`track_id`) REFERENCES `track` (`track_id`),
  CONSTRAINT `track_rating_stars_check` CHECK (`stars` between 1 and 5)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- PostgreSQL's reporting.daily_sales: in the default database here (see the top).
CREATE TABLE `daily_sales` (
  `day` date NOT NULL,
  `invoices` int NOT NULL DEFAULT 0,
  `revenue` decimal(12,2) NOT NULL DEFAULT 0,
  PRIMARY KEY (`day`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
