"""Keeping derived data fresh whoever saves: the admin, the agent's flow, a command."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import AgendaItem, Commitment, Position


@receiver(post_save, sender=AgendaItem)
def item_saved(sender, instance: AgendaItem, raw: bool = False, **kwargs) -> None:
    if not raw:
        AgendaItem.objects.filter(pk=instance.pk).refresh_search_text()


@receiver(post_save, sender=Position)
@receiver(post_delete, sender=Position)
@receiver(post_save, sender=Commitment)
@receiver(post_delete, sender=Commitment)
def part_of_item_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    """A position or commitment changed: its item's search text follows."""
    if not raw:
        AgendaItem.objects.filter(pk=instance.agenda_item_id).refresh_search_text()
