from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "salur.enrolment"
    verbose_name = "Kepesertaan (usulan, verifikasi, penetapan)"

    def ready(self) -> None:
        from salur.core.audit import register_detail_digest
        from salur.enrolment.services import DECISION_TYPE, decision_items_digest

        # The decision's audit entry covers its list: adding or removing a household breaks the chain.
        register_detail_digest(DECISION_TYPE, lambda object_id: decision_items_digest(int(object_id)))
