CREATE TABLE "embedding_canaries" (
	"id" serial PRIMARY KEY NOT NULL,
	"canary_version" integer NOT NULL,
	"control_version" integer NOT NULL,
	"share" real NOT NULL,
	"margin" real NOT NULL,
	"min_sessions" integer NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"reason" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_by" uuid,
	"decided_at" timestamp with time zone,
	"decided_by" uuid
);
--> statement-breakpoint
ALTER TABLE "embedding_canaries" ADD CONSTRAINT "embedding_canaries_canary_version_embedding_versions_id_fk" FOREIGN KEY ("canary_version") REFERENCES "public"."embedding_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "embedding_canaries" ADD CONSTRAINT "embedding_canaries_control_version_embedding_versions_id_fk" FOREIGN KEY ("control_version") REFERENCES "public"."embedding_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "embedding_canaries" ADD CONSTRAINT "embedding_canaries_started_by_users_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "embedding_canaries" ADD CONSTRAINT "embedding_canaries_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "embedding_canaries_one_running_key" ON "embedding_canaries" USING btree ("status") WHERE "embedding_canaries"."status" = 'running';