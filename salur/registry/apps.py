from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "salur.registry"
    verbose_name = "Registri sosial"

    def ready(self) -> None:
        from salur.core.audit import register_detail_digest
        from salur.registry.batch.importer import job_changes_digest

        register_detail_digest("registry.importjob", lambda object_id: job_changes_digest(int(object_id)))
