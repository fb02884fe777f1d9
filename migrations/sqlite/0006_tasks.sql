CREATE TABLE `task_series` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`note` text,
	`scope` text NOT NULL,
	`issuer_id` text NOT NULL,
	`issued_in` text NOT NULL,
	`pattern` text NOT NULL,
	`tz` text NOT NULL,
	`period_ms` integer NOT NULL,
	`label` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`synced` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`ended_at` integer
);
--> statement-breakpoint
CREATE TABLE `task_targets` (
	`task_id` integer NOT NULL,
	`unit_id` text NOT NULL,
	`unit_name` text NOT NULL,
	`township_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`done_at` integer,
	`done_by` text,
	`late` integer,
	`done_note` text,
	`evidence` text,
	`done_inbound_id` integer,
	PRIMARY KEY(`task_id`, `unit_id`)
);
--> statement-breakpoint
CREATE INDEX `task_targets_unit` ON `task_targets` (`unit_id`);--> statement-breakpoint
CREATE INDEX `task_targets_township` ON `task_targets` (`task_id`,`township_id`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`year` integer NOT NULL,
	`number` integer NOT NULL,
	`title` text NOT NULL,
	`note` text,
	`issuer_id` text NOT NULL,
	`issued_in` text NOT NULL,
	`issued_at` integer NOT NULL,
	`deadline` integer NOT NULL,
	`rev` integer DEFAULT 1 NOT NULL,
	`urgent` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`scope_label` text NOT NULL,
	`series_id` integer,
	`tick_at` integer,
	`source_inbound_id` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tasks_number` ON `tasks` (`year`,`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `tasks_series_tick` ON `tasks` (`series_id`,`tick_at`);