-- Every MySQL feature the reader models or carries, for a live round trip on MariaDB.
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='STRICT_TRANS_TABLES' */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
# a hash comment
CREATE TABLE `order line` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `order_id` int(10) unsigned zerofill NOT NULL COMMENT 'the order''s id',
  `qty` smallint(5) unsigned NOT NULL DEFAULT '1',
  `price` decimal(10,2) unsigned NOT NULL DEFAULT 0.00,
  `total` decimal(12,2) AS (`qty` * `price`) PERSISTENT,
  `label` varchar(40) AS (concat('#', `id`)) VIRTUAL,
  `status` enum('new','paid','shipped') CHARACTER SET latin1 COLLATE latin1_bin NOT NULL DEFAULT 'new',
  `flags` set('gift','fragile','express') DEFAULT NULL,
  `note` text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
  `code` varchar(20) BINARY DEFAULT NULL,
  `weight` float(7,3) DEFAULT NULL,
  `ratio` double DEFAULT NULL,
  `active` tinyint(1) NOT NULL DEFAULT 1,
  `bits` bit(8) DEFAULT b'00000001',
  `made` year(4) DEFAULT NULL,
  `created` datetime(3) NOT NULL DEFAULT current_timestamp(3),
  `updated` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  `touched` timestamp NULL ON UPDATE current_timestamp(),
  `positive` int(11) DEFAULT NULL CHECK (`positive` > 0),
  `hidden` int(11) INVISIBLE DEFAULT 7,
  `payload` json DEFAULT NULL,
  `blob` mediumblob,
  `raw` varbinary(16) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_order` (`order_id`,`id`),
  KEY `ix_code` (`code`(8)),
  KEY (`qty` DESC),
  KEY `ix_qty_hash` (`qty`) USING BTREE COMMENT 'by quantity',
  FULLTEXT KEY `ft_note` (`note`),
  CONSTRAINT `ck_qty` CHECK (`qty` < 1000),
  CHECK (`price` >= 0),
  CONSTRAINT `fk_order` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION
) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci ROW_FORMAT=DYNAMIC COMMENT='lines of an order';

CREATE TABLE orders (
  id int unsigned zerofill NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer varchar(100) NOT NULL,
  placed date NOT NULL,
  place point NOT NULL,
  SPATIAL INDEX sp_place (place)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

CREATE TABLE memo (
  k char(10) NOT NULL,
  v varchar(100) DEFAULT NULL,
  PRIMARY KEY (k)
) ENGINE=MEMORY;

CREATE TABLE events (
  id int NOT NULL,
  happened date NOT NULL,
  PRIMARY KEY (id, happened)
) ENGINE=InnoDB
PARTITION BY RANGE (year(happened))
(PARTITION p2020 VALUES LESS THAN (2021),
 PARTITION pmax VALUES LESS THAN MAXVALUE);

CREATE TABLE audit (
  id int NOT NULL AUTO_INCREMENT,
  line_id bigint unsigned DEFAULT NULL,
  what varchar(20) NOT NULL,
  PRIMARY KEY (id)
);
ALTER TABLE audit ADD CONSTRAINT fk_audit_line FOREIGN KEY (line_id) REFERENCES `order line` (id) ON DELETE SET NULL;
ALTER TABLE audit ADD FOREIGN KEY (line_id) REFERENCES `order line` (id);
ALTER TABLE audit ADD INDEX ix_what (what), ADD UNIQUE KEY uq_what_id (what, id);
CREATE INDEX ix_placed ON orders (placed);
CREATE TABLE tagging (
  audit_id int NOT NULL,
  tag varchar(10) NOT NULL,
  KEY (audit_id),
  FOREIGN KEY (audit_id) REFERENCES audit (id),
  FOREIGN KEY (tag, audit_id) REFERENCES audit (what, id) ON DELETE CASCADE
);

CREATE TABLE logbook (id int NOT NULL, at date NOT NULL, PRIMARY KEY (id, at)) ENGINE=InnoDB;
/*!50100 ALTER TABLE logbook PARTITION BY HASH (id) PARTITIONS 4 */;

CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `line_totals` AS
  select `order_id`, sum(`total`) AS `sum_total` from `order line` group by `order_id`;
CREATE VIEW big_lines AS SELECT order_id, sum_total FROM line_totals WHERE sum_total > 100;

DELIMITER ;;
/*!50003 CREATE*/ /*!50003 TRIGGER `line_audit` AFTER INSERT ON `order line` FOR EACH ROW BEGIN
  INSERT INTO audit (line_id, what) VALUES (NEW.id, 'insert');
END */;;
DELIMITER ;

DELIMITER //
CREATE FUNCTION line_count(o INT) RETURNS INT
READS SQL DATA
BEGIN
  DECLARE n INT;
  SELECT COUNT(*) INTO n FROM `order line` WHERE order_id = o;
  RETURN n;
END //
CREATE PROCEDURE purge_lines(IN o INT)
MODIFIES SQL DATA
BEGIN
  DELETE FROM `order line` WHERE order_id = o AND note LIKE '%test%';
END //
DELIMITER ;

/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
