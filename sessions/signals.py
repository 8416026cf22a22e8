"""Keeping derived data fresh whoever saves: the admin, the agent's flow, a command."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import AgendaItem, Commitment, Position, Session, Topic


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


@receiver(post_delete, sender=AgendaItem)
def item_deleted(sender, instance: AgendaItem, **kwargs) -> None:
    """Its session's words for searching no longer hold the item's."""
    Session.objects.filter(pk=instance.session_id).refresh_items_text()


@receiver(post_save, sender=Topic)
def topic_saved(sender, instance: Topic, created: bool, raw: bool = False, **kwargs) -> None:
    """Sessions are found by their items' topic names: a renamed topic's sessions follow."""
    if not raw and not created:
        Session.objects.filter(agenda_items__topic=instance).refresh_items_text()
