CREATE TABLE "crowd_fits" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"votes_until" timestamp with time zone NOT NULL,
	"taxonomy_version" integer NOT NULL,
	"tags" text[] NOT NULL,
	"prevalence" real[] NOT NULL,
	"votes" integer NOT NULL,
	"clips" integer NOT NULL,
	"workers" integer NOT NULL,
	"iterations" integer NOT NULL,
	"converged" boolean NOT NULL,
	"duration_ms" integer NOT NULL,
	"paused" integer DEFAULT 0 NOT NULL,
	"trigger" text DEFAULT 'manual' NOT NULL
);
--> statement-breakpoint
ALTER TABLE "worker_reliability" ADD COLUMN "sensitivity_by_tag" real[];--> statement-breakpoint
ALTER TABLE "worker_reliability" ADD COLUMN "specificity_by_tag" real[];--> statement-breakpoint
ALTER TABLE "worker_reliability" ADD COLUMN "too_fast_share" real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "worker_reliability" ADD COLUMN "same_answer_share" real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "worker_reliability" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "worker_reliability" ADD COLUMN "judged_from" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "crowd_fits_time_idx" ON "crowd_fits" USING btree ("computed_at");