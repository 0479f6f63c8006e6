CREATE TABLE "project_annotators" (
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"params" jsonb NOT NULL,
	"answer_count" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_annotators_project_id_user_id_pk" PRIMARY KEY("project_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "project_answers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"lease_id" uuid,
	"clip_id" uuid NOT NULL,
	"clip_b_id" uuid,
	"valence" real,
	"arousal" real,
	"choice" text,
	"listened_ms" integer,
	"idempotency_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_items" (
	"project_id" uuid NOT NULL,
	"clip_id" uuid NOT NULL,
	"answer_count" integer DEFAULT 0 NOT NULL,
	"priority" double precision DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_items_project_id_clip_id_pk" PRIMARY KEY("project_id","clip_id")
);
--> statement-breakpoint
CREATE TABLE "project_leases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"clip_id" uuid NOT NULL,
	"clip_b_id" uuid,
	"state" text DEFAULT 'active' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_members" (
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_members_project_id_user_id_pk" PRIMARY KEY("project_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "project_scores" (
	"project_id" uuid NOT NULL,
	"clip_id" uuid NOT NULL,
	"valence" real,
	"valence_sd" real,
	"arousal" real,
	"arousal_sd" real,
	"score" real,
	"score_sd" real,
	"rank" integer,
	"answer_count" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_scores_project_id_clip_id_pk" PRIMARY KEY("project_id","clip_id")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"question_type" text NOT NULL,
	"attribute" text,
	"clip_filter" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"open_to_all" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "project_annotators" ADD CONSTRAINT "project_annotators_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_annotators" ADD CONSTRAINT "project_annotators_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_answers" ADD CONSTRAINT "project_answers_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_answers" ADD CONSTRAINT "project_answers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_answers" ADD CONSTRAINT "project_answers_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_answers" ADD CONSTRAINT "project_answers_clip_b_id_clips_id_fk" FOREIGN KEY ("clip_b_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_items" ADD CONSTRAINT "project_items_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_items" ADD CONSTRAINT "project_items_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_leases" ADD CONSTRAINT "project_leases_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_leases" ADD CONSTRAINT "project_leases_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_leases" ADD CONSTRAINT "project_leases_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_leases" ADD CONSTRAINT "project_leases_clip_b_id_clips_id_fk" FOREIGN KEY ("clip_b_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_scores" ADD CONSTRAINT "project_scores_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_scores" ADD CONSTRAINT "project_scores_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "project_answers_idempotency_key" ON "project_answers" USING btree ("project_id","user_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "project_answers_one_rating_key" ON "project_answers" USING btree ("project_id","clip_id","user_id") WHERE "project_answers"."clip_b_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "project_answers_one_pair_key" ON "project_answers" USING btree ("project_id","user_id",least("clip_id", "clip_b_id"),greatest("clip_id", "clip_b_id")) WHERE "project_answers"."clip_b_id" is not null;--> statement-breakpoint
CREATE INDEX "project_answers_project_idx" ON "project_answers" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "project_items_queue_idx" ON "project_items" USING btree ("project_id","priority" DESC NULLS LAST,"clip_id");--> statement-breakpoint
CREATE INDEX "project_leases_user_active_idx" ON "project_leases" USING btree ("project_id","user_id") WHERE "project_leases"."state" = 'active';--> statement-breakpoint
CREATE INDEX "project_leases_active_expiry_idx" ON "project_leases" USING btree ("expires_at") WHERE "project_leases"."state" = 'active';--> statement-breakpoint
CREATE INDEX "project_members_user_idx" ON "project_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_slug_key" ON "projects" USING btree ("slug");--> statement-breakpoint
INSERT INTO "projects" ("slug", "name", "description", "question_type", "open_to_all") VALUES ('mood', 'Mood tags', 'Every clip of the catalog, tagged with the mood taxonomy. Created by the migration for the work that existed before projects.', 'tags', true);
