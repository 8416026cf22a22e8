"""Background tasks of the record (django.tasks, run by `manage.py db_worker`)."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .models import EvidencePacket
from .packet import facts_of, fingerprint, render_pdf


@task
def render_evidence_packet(packet_id: int) -> str:
    """Make the packet's PDF and record the fingerprint of the facts it shows. Safe to run twice:
    a packet already made is left as it is."""
    with transaction.atomic():
        packet = (
            EvidencePacket.objects.select_for_update(of=("self",))
            .select_related("topic", "produced_by")
            .filter(pk=packet_id)
            .first()
        )
        if packet is None or packet.is_rendered:
            return "nothing to do"
        facts = facts_of(packet)
        content, pages = render_pdf(
            facts, produced_by=packet.produced_by, produced_at=packet.produced_at
        )
        packet.fingerprint = fingerprint(facts)
        packet.page_count = pages
        packet.rendered_at = timezone.now()
        packet.file.save(f"packet-{packet.pk}.pdf", ContentFile(content), save=False)
        packet.save(update_fields=["fingerprint", "page_count", "rendered_at", "file"])
    return packet.fingerprint
