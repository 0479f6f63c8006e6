CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tag_mappings" (
	"from_version" integer NOT NULL,
	"from_key" text NOT NULL,
	"to_version" integer NOT NULL,
	"to_key" text NOT NULL,
	CONSTRAINT "tag_mappings_from_version_from_key_to_version_to_key_pk" PRIMARY KEY("from_version","from_key","to_version","to_key")
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"taxonomy_version" integer NOT NULL,
	"key" text NOT NULL,
	"label" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "tags_taxonomy_version_key_pk" PRIMARY KEY("taxonomy_version","key")
);
--> statement-breakpoint
CREATE TABLE "taxonomy_versions" (
	"version" serial PRIMARY KEY NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"is_active" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clip_features" (
	"clip_id" uuid NOT NULL,
	"extractor_version" text NOT NULL,
	"vector" real[] NOT NULL,
	"named" jsonb NOT NULL,
	"tempo_bpm" real,
	"tempo_confidence" real,
	"key" text,
	"mode" text,
	"key_confidence" real,
	"lufs" real,
	"beats" real[],
	"embedding" real[],
	"embedding_model" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clips" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sha256" text NOT NULL,
	"title" text NOT NULL,
	"artist" text DEFAULT '' NOT NULL,
	"licence" text DEFAULT 'unknown' NOT NULL,
	"provenance" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text DEFAULT 'upload' NOT NULL,
	"duration_s" real,
	"sample_rate" integer,
	"channels" integer,
	"size_bytes" integer,
	"mime" text,
	"audio_key" text,
	"audio_deleted_at" timestamp with time zone,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"excerpt_start_s" real DEFAULT 0 NOT NULL,
	"playback_gain_db" real DEFAULT 0 NOT NULL,
	"recipe" jsonb,
	"label_state" text DEFAULT 'open' NOT NULL,
	"priority" double precision DEFAULT 0 NOT NULL,
	"priority_terms" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"vote_count" integer DEFAULT 0 NOT NULL,
	"assigned" integer DEFAULT 0 NOT NULL,
	"overlap_target" integer DEFAULT 3 NOT NULL,
	"state_changed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feature_stats" (
	"extractor_version" text PRIMARY KEY NOT NULL,
	"names" jsonb NOT NULL,
	"mean" real[] NOT NULL,
	"std" real[] NOT NULL,
	"count" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "aggregates" (
	"clip_id" uuid NOT NULL,
	"tag" text NOT NULL,
	"posterior" real NOT NULL,
	"label" boolean NOT NULL,
	"confidence" real NOT NULL,
	"yes_votes" integer DEFAULT 0 NOT NULL,
	"no_votes" integer DEFAULT 0 NOT NULL,
	"method" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "aggregates_clip_id_tag_pk" PRIMARY KEY("clip_id","tag")
);
--> statement-breakpoint
CREATE TABLE "agreement_stats" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"scope" text NOT NULL,
	"tag" text,
	"alpha" real,
	"kappa" real,
	"items" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "expert_decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clip_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"taxonomy_version" integer NOT NULL,
	"tags" text[] NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"before" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_second_opinion" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gold_answers" (
	"clip_id" uuid PRIMARY KEY NOT NULL,
	"taxonomy_version" integer NOT NULL,
	"tags" text[] NOT NULL,
	"tolerated" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "leases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clip_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"queue" text DEFAULT 'crowd' NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"question_tag" text,
	"is_gold" boolean DEFAULT false NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "votes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clip_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"lease_id" uuid,
	"kind" text NOT NULL,
	"taxonomy_version" integer NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"question_tag" text,
	"answer" boolean,
	"flag_reason" text,
	"listened_ms" integer,
	"idempotency_key" text NOT NULL,
	"external_worker" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "worker_reliability" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"sensitivity" real NOT NULL,
	"specificity" real NOT NULL,
	"reliability" real NOT NULL,
	"uncertainty" real NOT NULL,
	"weight" real DEFAULT 1 NOT NULL,
	"vote_count" integer DEFAULT 0 NOT NULL,
	"gold_correct" integer DEFAULT 0 NOT NULL,
	"gold_total" integer DEFAULT 0 NOT NULL,
	"flags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clip_embeddings" (
	"version_id" integer NOT NULL,
	"clip_id" uuid NOT NULL,
	"embedding" real[] NOT NULL,
	CONSTRAINT "clip_embeddings_version_id_clip_id_pk" PRIMARY KEY("version_id","clip_id")
);
--> statement-breakpoint
CREATE TABLE "embedding_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer,
	"source" text NOT NULL,
	"dim" integer NOT NULL,
	"status" text DEFAULT 'building' NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "learning_curves" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"strategy" text NOT NULL,
	"points" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'training' NOT NULL,
	"feature_version" text NOT NULL,
	"taxonomy_version" integer NOT NULL,
	"tag_keys" text[] NOT NULL,
	"train_size" integer DEFAULT 0 NOT NULL,
	"hyperparams" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"onnx" "bytea",
	"onnx_sha256" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"promoted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "predictions" (
	"clip_id" uuid NOT NULL,
	"model_id" integer NOT NULL,
	"probs" real[] NOT NULL,
	"uncertainty" real NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "predictions_clip_id_model_id_pk" PRIMARY KEY("clip_id","model_id")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"entity" text NOT NULL,
	"entity_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
CREATE TABLE "dataset_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"status" text DEFAULT 'building' NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"formats" text[] NOT NULL,
	"manifest" jsonb,
	"path" text,
	"error" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dataset_splits" (
	"clip_id" uuid PRIMARY KEY NOT NULL,
	"split" text NOT NULL,
	"assigned_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"job_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"state" text NOT NULL,
	"progress" real DEFAULT 0 NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listener_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"clip_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"position_s" real,
	"embedding_version" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listener_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"personalization" boolean DEFAULT true NOT NULL,
	"state" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tags" ADD CONSTRAINT "tags_taxonomy_version_taxonomy_versions_version_fk" FOREIGN KEY ("taxonomy_version") REFERENCES "public"."taxonomy_versions"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "taxonomy_versions" ADD CONSTRAINT "taxonomy_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clip_features" ADD CONSTRAINT "clip_features_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "aggregates" ADD CONSTRAINT "aggregates_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_decisions" ADD CONSTRAINT "expert_decisions_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expert_decisions" ADD CONSTRAINT "expert_decisions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gold_answers" ADD CONSTRAINT "gold_answers_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gold_answers" ADD CONSTRAINT "gold_answers_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leases" ADD CONSTRAINT "leases_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leases" ADD CONSTRAINT "leases_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_reliability" ADD CONSTRAINT "worker_reliability_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clip_embeddings" ADD CONSTRAINT "clip_embeddings_version_id_embedding_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."embedding_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clip_embeddings" ADD CONSTRAINT "clip_embeddings_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "embedding_versions" ADD CONSTRAINT "embedding_versions_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_snapshots" ADD CONSTRAINT "dataset_snapshots_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_splits" ADD CONSTRAINT "dataset_splits_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listener_events" ADD CONSTRAINT "listener_events_session_id_listener_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."listener_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listener_events" ADD CONSTRAINT "listener_events_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_key" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "api_tokens_user_idx" ON "api_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "clip_features_key" ON "clip_features" USING btree ("clip_id","extractor_version");--> statement-breakpoint
CREATE UNIQUE INDEX "clips_sha256_key" ON "clips" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "clips_queue_idx" ON "clips" USING btree ("priority" DESC NULLS LAST,"id") WHERE "clips"."label_state" = 'open' and "clips"."status" <> 'failed' and "clips"."assigned" < "clips"."overlap_target";--> statement-breakpoint
CREATE INDEX "clips_label_state_idx" ON "clips" USING btree ("label_state");--> statement-breakpoint
CREATE INDEX "clips_created_idx" ON "clips" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "agreement_stats_time_idx" ON "agreement_stats" USING btree ("computed_at");--> statement-breakpoint
CREATE INDEX "expert_decisions_clip_idx" ON "expert_decisions" USING btree ("clip_id");--> statement-breakpoint
CREATE INDEX "leases_active_expiry_idx" ON "leases" USING btree ("expires_at") WHERE "leases"."state" = 'active';--> statement-breakpoint
CREATE INDEX "leases_user_active_idx" ON "leases" USING btree ("user_id") WHERE "leases"."state" = 'active';--> statement-breakpoint
CREATE INDEX "leases_clip_idx" ON "leases" USING btree ("clip_id");--> statement-breakpoint
CREATE UNIQUE INDEX "votes_idempotency_key" ON "votes" USING btree ("user_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "votes_one_per_clip_key" ON "votes" USING btree ("clip_id","user_id") WHERE "votes"."kind" <> 'targeted' and "votes"."external_worker" is null;--> statement-breakpoint
CREATE INDEX "votes_clip_idx" ON "votes" USING btree ("clip_id");--> statement-breakpoint
CREATE INDEX "votes_user_idx" ON "votes" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "votes_created_idx" ON "votes" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "models_status_idx" ON "models" USING btree ("status");--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity","entity_id");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "job_runs_updated_idx" ON "job_runs" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "listener_events_session_idx" ON "listener_events" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "listener_events_created_idx" ON "listener_events" USING btree ("created_at");