CREATE TABLE "project_va_models" (
	"project_id" uuid PRIMARY KEY NOT NULL,
	"extractor_version" text NOT NULL,
	"n" integer NOT NULL,
	"lambda" double precision NOT NULL,
	"valence_cv_rmse" double precision NOT NULL,
	"arousal_cv_rmse" double precision NOT NULL,
	"model" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_va_predictions" (
	"project_id" uuid NOT NULL,
	"clip_id" uuid NOT NULL,
	"valence" real NOT NULL,
	"valence_sd" real NOT NULL,
	"arousal" real NOT NULL,
	"arousal_sd" real NOT NULL,
	CONSTRAINT "project_va_predictions_project_id_clip_id_pk" PRIMARY KEY("project_id","clip_id")
);
--> statement-breakpoint
ALTER TABLE "project_va_models" ADD CONSTRAINT "project_va_models_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_va_predictions" ADD CONSTRAINT "project_va_predictions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_va_predictions" ADD CONSTRAINT "project_va_predictions_clip_id_clips_id_fk" FOREIGN KEY ("clip_id") REFERENCES "public"."clips"("id") ON DELETE cascade ON UPDATE no action;