DROP INDEX `directives_number`;--> statement-breakpoint
ALTER TABLE `directives` ADD `series` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `directives` ADD `series_name` text;--> statement-breakpoint
CREATE UNIQUE INDEX `directives_series_number` ON `directives` (`kind`,`series`,`year`,`number`);