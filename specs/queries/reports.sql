-- Named queries of the project tracker (docs/crud-spec.md, "Named queries"). Each is typed
-- against schema.sql when the package is built, and becomes a method of uow.queries.

-- name: users_with_task_counts :many
-- Every active user with the number of live tasks assigned to them, open ones apart; users
-- without tasks count zero. Busiest first.
SELECT u.id,
       u.email,
       u.display_name,
       count(t.id) AS task_count,
       count(t.id) FILTER (WHERE t.status NOT IN ('done', 'cancelled')) AS open_count,
       max(t.due_date) AS next_due
FROM users u
LEFT JOIN tasks t ON t.assignee_id = u.id AND t.deleted_at IS NULL
WHERE u.is_active
GROUP BY u.id
ORDER BY task_count DESC, u.email;

-- name: project_status_summary :many
-- Per project of one owner: tasks by status, the mean priority and the estimated hours left.
SELECT p.slug,
       p.name,
       t.status,
       count(*) AS tasks,
       round(avg(t.priority), 2) AS mean_priority,
       coalesce(sum(t.estimate) FILTER (WHERE t.status <> 'done'), 0) AS hours_left
FROM projects p
JOIN tasks t ON t.project_id = p.id AND t.deleted_at IS NULL
WHERE p.owner_id = :owner_id AND NOT p.is_archived
GROUP BY p.slug, p.name, t.status
ORDER BY p.slug, t.status;

-- name: overdue_tasks :many
-- Open tasks past their due date, optionally of one status, with the assignee (if any), the
-- number of comments and the task's rank by lateness within its project.
WITH open_tasks AS (
    SELECT t.id, t.project_id, t.number, t.title, t.status, t.due_date, t.assignee_id
    FROM tasks t
    WHERE t.deleted_at IS NULL
      AND t.status NOT IN ('done', 'cancelled')
      AND t.due_date < :as_of
      AND (:status::task_status IS NULL OR t.status = :status)
)
SELECT p.slug || '-' || o.number AS reference,
       o.title,
       o.due_date,
       :as_of - o.due_date AS days_late,
       u.display_name AS assignee,
       (SELECT count(*) FROM comments c WHERE c.task_id = o.id) AS comments,
       rank() OVER (PARTITION BY o.project_id ORDER BY o.due_date) AS lateness_rank
FROM open_tasks o
JOIN projects p ON p.id = o.project_id
LEFT JOIN users u ON u.id = o.assignee_id
ORDER BY o.due_date, reference
LIMIT :limit;

-- name: task_comment_count :one
-- How many comments one task has (a row even for a task without any).
SELECT t.id, count(c.id) AS comments
FROM tasks t
LEFT JOIN comments c ON c.task_id = t.id
WHERE t.id = :task_id
GROUP BY t.id;

-- name: archive_stale_projects :rows
-- Archive the projects of an owner that have had no task created since a date.
UPDATE projects p
SET is_archived = true, updated_at = now()
WHERE p.owner_id = :owner_id
  AND NOT p.is_archived
  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = p.id AND t.created_at >= :since);
