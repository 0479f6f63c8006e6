CREATE TABLE "ab_experiments" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"control" jsonb NOT NULL,
	"treatment" jsonb NOT NULL,
	"share" real NOT NULL,
	"baseline" real NOT NULL,
	"min_detectable" real NOT NULL,
	"sessions_per_arm" integer NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_by" uuid,
	"stopped_at" timestamp with time zone,
	"stopped_by" uuid
);
--> statement-breakpoint
ALTER TABLE "ab_experiments" ADD CONSTRAINT "ab_experiments_started_by_users_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ab_experiments" ADD CONSTRAINT "ab_experiments_stopped_by_users_id_fk" FOREIGN KEY ("stopped_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ab_experiments_one_running_key" ON "ab_experiments" USING btree ("status") WHERE "ab_experiments"."status" = 'running';