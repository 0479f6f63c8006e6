CREATE TABLE "contributor_pauses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"paused_at" timestamp with time zone DEFAULT now() NOT NULL,
	"paused_by" uuid,
	"reason" jsonb NOT NULL,
	"appeal" text,
	"appealed_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"resolved_by" uuid,
	"resolution_note" text
);
--> statement-breakpoint
ALTER TABLE "contributor_pauses" ADD CONSTRAINT "contributor_pauses_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contributor_pauses" ADD CONSTRAINT "contributor_pauses_paused_by_users_id_fk" FOREIGN KEY ("paused_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contributor_pauses" ADD CONSTRAINT "contributor_pauses_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contributor_pauses_user_idx" ON "contributor_pauses" USING btree ("user_id","paused_at");--> statement-breakpoint
CREATE UNIQUE INDEX "contributor_pauses_open_key" ON "contributor_pauses" USING btree ("user_id") WHERE "contributor_pauses"."resolved_at" is null;