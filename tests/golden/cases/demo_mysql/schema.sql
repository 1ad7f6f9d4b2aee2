-- Project tracker: the demo application schema for dbgen, as a MySQL/MariaDB team keeps it
-- (MariaDB 10.11; mysqldump-style names in backticks where the team's tool wrote them).
--
-- What differs from the PostgreSQL demo (specs/schema.sql): ENUM columns instead of enum types,
-- CHAR(36) UUIDs filled by uuid(), AUTO_INCREMENT keys, JSON instead of jsonb, DATETIME(6)
-- stamps with ON UPDATE, no arrays (task labels are the tags), no partial or expression indexes.

/*!40101 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;

CREATE TABLE `users` (
  `id` char(36) NOT NULL DEFAULT uuid(),
  `email` varchar(255) NOT NULL COMMENT 'Login address; unique regardless of case (the collation ignores case).',
  `display_name` varchar(100) NOT NULL,
  `role` enum('admin','member','guest') NOT NULL DEFAULT 'member' COMMENT 'Site-wide role; per-project rights live in project_members.',
  `is_active` tinyint(1) NOT NULL DEFAULT 1,
  `last_login_at` datetime(6) DEFAULT NULL,
  `created_at` datetime(6) NOT NULL DEFAULT current_timestamp(6),
  `updated_at` datetime(6) NOT NULL DEFAULT current_timestamp(6),
  PRIMARY KEY (`id`),
  UNIQUE KEY `users_email_key` (`email`),
  CONSTRAINT `users_email_format` CHECK (locate('@', `email`) > 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='People who can sign in.';

CREATE TABLE `user_profiles` (
  `user_id` char(36) NOT NULL,
  `bio` text,
  `avatar_url` varchar(2048) DEFAULT NULL,
  `timezone` varchar(64) NOT NULL DEFAULT 'UTC',
  `preferences` json NOT NULL DEFAULT '{}',
  `updated_at` datetime(6) NOT NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6),
  PRIMARY KEY (`user_id`),
  CONSTRAINT `user_profiles_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Optional profile details, one row per user.';

CREATE TABLE `projects` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `slug` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'URL-safe identifier: lower-case words joined by hyphens.',
  `name` varchar(200) NOT NULL,
  `description` text,
  `owner_id` char(36) NOT NULL,
  `is_archived` tinyint(1) NOT NULL DEFAULT 0,
  `created_at` datetime(6) NOT NULL DEFAULT current_timestamp(6),
  `updated_at` datetime(6) NOT NULL DEFAULT current_timestamp(6) ON UPDATE current_timestamp(6),
  PRIMARY KEY (`id`),
  UNIQUE KEY `projects_slug_key` (`slug`),
  KEY `projects_owner_id_idx` (`owner_id`),
  FULLTEXT KEY `projects_search_idx` (`name`, `description`),
  CONSTRAINT `projects_owner_id_fkey` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`),
  CONSTRAINT `projects_slug_format` CHECK (`slug` regexp '^[a-z0-9]+(-[a-z0-9]+)*$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='A body of work that owns tasks.';

CREATE TABLE `project_members` (
  `project_id` bigint(20) unsigned NOT NULL,
  `user_id` char(36) NOT NULL,
  `role` enum('owner','maintainer','contributor','viewer') NOT NULL DEFAULT 'contributor',
  `joined_at` datetime(6) NOT NULL DEFAULT current_timestamp(6),
  PRIMARY KEY (`project_id`, `user_id`),
  KEY `project_members_user_id_idx` (`user_id`),
  CONSTRAINT `project_members_project_id_fkey` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE CASCADE,
  CONSTRAINT `project_members_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Who works on which project, and in what role.';

CREATE TABLE `tasks` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `project_id` bigint(20) unsigned NOT NULL,
  `number` int(10) unsigned NOT NULL COMMENT 'Per-project sequence number shown to people (PROJECT-42).',
  `title` varchar(500) NOT NULL,
  `description` mediumtext,
  `status` enum('todo','in_progress','blocked','done','cancelled') NOT NULL DEFAULT 'todo',
  `priority` tinyint(3) unsigned NOT NULL DEFAULT 3 COMMENT '1 (highest) to 5 (lowest).' CHECK (`priority` between 1 and 5),
  `assignee_id` char(36) DEFAULT NULL,
  `due_date` date DEFAULT NULL,
  `estimate` decimal(6,2) DEFAULT NULL COMMENT 'Estimated effort in hours.',
  `version` int(10) unsigned NOT NULL DEFAULT 1 COMMENT 'Optimistic-locking counter; bumped on every update.',
  `deleted_at` datetime(6) DEFAULT NULL COMMENT 'Set when the task is deleted; such rows are hidden.',
  `created_at` datetime(6) NOT NULL DEFAULT current_timestamp(6),
  `updated_at` datetime(6) NOT NULL DEFAULT current_timestamp(6),
  PRIMARY KEY (`id`),
  UNIQUE KEY `tasks_project_number_key` (`project_id`, `number`),
  KEY `tasks_open_by_assignee_idx` (`assignee_id`, `due_date`),
  KEY `tasks_project_status_idx` (`project_id`, `status`),
  CONSTRAINT `tasks_project_id_fkey` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE CASCADE,
  CONSTRAINT `tasks_estimate_positive` CHECK (`estimate` IS NULL OR `estimate` > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='A unit of work inside a project.';

-- Added after the fact, as teams do when a column gains a reference in a later release.
ALTER TABLE `tasks`
  ADD CONSTRAINT `tasks_assignee_id_fkey` FOREIGN KEY (`assignee_id`) REFERENCES `users` (`id`) ON DELETE SET NULL;

CREATE TABLE `tags` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(100) NOT NULL,
  `color` char(7) CHARACTER SET ascii NOT NULL DEFAULT '#808080',
  PRIMARY KEY (`id`),
  UNIQUE KEY `tags_name_key` (`name`),
  CHECK (`color` regexp '^#[0-9a-fA-F]{6}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Labels shared by all projects.';

-- A pure many-to-many link: nothing but the two keys.
CREATE TABLE `task_tags` (
  `task_id` bigint(20) unsigned NOT NULL,
  `tag_id` int(10) unsigned NOT NULL,
  PRIMARY KEY (`task_id`, `tag_id`),
  KEY `task_tags_tag_id_idx` (`tag_id`),
  CONSTRAINT `task_tags_task_id_fkey` FOREIGN KEY (`task_id`) REFERENCES `tasks` (`id`) ON DELETE CASCADE,
  CONSTRAINT `task_tags_tag_id_fkey` FOREIGN KEY (`tag_id`) REFERENCES `tags` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Which tags are on which tasks.';

CREATE TABLE `comments` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `task_id` bigint(20) unsigned NOT NULL,
  `parent_id` bigint(20) unsigned DEFAULT NULL,
  `author_id` char(36) DEFAULT NULL,
  `body` text NOT NULL,
  `created_at` datetime(6) NOT NULL DEFAULT current_timestamp(6),
  `edited_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `comments_task_id_created_at_idx` (`task_id`, `created_at`),
  KEY `comments_parent_id_idx` (`parent_id`),
  CONSTRAINT `comments_task_id_fkey` FOREIGN KEY (`task_id`) REFERENCES `tasks` (`id`) ON DELETE CASCADE,
  CONSTRAINT `comments_parent_id_fkey` FOREIGN KEY (`parent_id`) REFERENCES `comments` (`id`) ON DELETE CASCADE,
  CONSTRAINT `comments_author_id_fkey` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Discussion on a task; replies point at their parent comment.';

CREATE TABLE `audit_log` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `actor_id` char(36) DEFAULT NULL,
  `action` varchar(50) NOT NULL,
  `entity_type` varchar(50) NOT NULL,
  `entity_id` varchar(64) NOT NULL,
  `payload` json NOT NULL DEFAULT '{}' COMMENT 'Changed fields as {"field": [old, new]}.',
  `occurred_at` datetime(6) NOT NULL DEFAULT current_timestamp(6),
  PRIMARY KEY (`id`),
  KEY `audit_log_entity_idx` (`entity_type`, `entity_id`),
  KEY `audit_log_occurred_at_idx` (`occurred_at` DESC),
  CONSTRAINT `audit_log_actor_id_fkey` FOREIGN KEY (`actor_id`) REFERENCES `users` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Append-only record of changes, written by the application.';

-- The tasks of a project that are not deleted, for the dashboard.
CREATE VIEW `open_tasks` AS
  SELECT `id`, `project_id`, `number`, `title`, `status`, `assignee_id`, `due_date`
  FROM `tasks` WHERE `deleted_at` IS NULL AND `status` NOT IN ('done', 'cancelled');

/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
