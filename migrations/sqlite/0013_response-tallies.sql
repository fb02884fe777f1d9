CREATE TABLE `directive_tallies` (
	`directive_id` integer NOT NULL,
	`township_id` text NOT NULL,
	`revision` integer NOT NULL,
	`targeted` integer NOT NULL,
	`acknowledged` integer DEFAULT 0 NOT NULL,
	`on_time` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`directive_id`, `township_id`, `revision`)
);
--> statement-breakpoint
CREATE INDEX `directive_targets_township` ON `directive_targets` (`township_id`,`directive_id`);--> statement-breakpoint
CREATE INDEX `directives_issued` ON `directives` (`issued_at`);