ALTER TABLE `task_series` ADD `return_fields` text;--> statement-breakpoint
ALTER TABLE `task_targets` ADD `returns` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `return_fields` text;