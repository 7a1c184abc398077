"""Each dispute's case messages become the messages of the dispute's conversation."""

from django.db import migrations


def move_dispute_messages(apps, schema_editor):
    """Copy the case messages into their disputes' conversations (made if missing), and make
    the people on each case members with everything copied read: those messages were never
    unread, the case page showed them."""
    DisputeMessage = apps.get_model("disputes", "DisputeMessage")
    Assignment = apps.get_model("disputes", "Assignment")
    Conversation = apps.get_model("messaging", "Conversation")
    ConversationMember = apps.get_model("messaging", "ConversationMember")
    Message = apps.get_model("messaging", "Message")
    conversations = {}
    for old in DisputeMessage.objects.select_related("dispute").order_by("created_at", "id"):
        conversation = conversations.get(old.dispute_id)
        if conversation is None:
            conversation, _ = Conversation.objects.get_or_create(
                dispute_id=old.dispute_id, defaults={"created_at": old.created_at}
            )
            conversation.case = old.dispute
            conversations[old.dispute_id] = conversation
        conversation.last_message = Message.objects.create(
            conversation=conversation,
            author_id=old.author_id,
            body=old.body,
            created_at=old.created_at,
        )
    for conversation in conversations.values():
        last = conversation.last_message
        conversation.last_message_at = last.created_at
        conversation.save(update_fields=["last_message_at"])
        dispute = conversation.case
        mediators = Assignment.objects.filter(
            dispute_id=dispute.pk, ended_at__isnull=True, mediator__is_active=True
        ).values_list("mediator__user_id", flat=True)
        for person in {dispute.opener_id, dispute.respondent_id, *mediators}:
            member, _ = ConversationMember.objects.get_or_create(
                conversation=conversation,
                person_id=person,
                defaults={"joined_at": dispute.created_at},
            )
            member.active = True
            member.last_read_message_id = max(member.last_read_message_id, last.pk)
            member.save(update_fields=["active", "last_read_message_id"])


def restore_dispute_messages(apps, schema_editor):
    """Copy the dispute conversations' messages back into case messages and remove those
    conversations. A message staff removed stays removed; a message's files are named in
    its text, their stored files are kept on disk."""
    DisputeMessage = apps.get_model("disputes", "DisputeMessage")
    Conversation = apps.get_model("messaging", "Conversation")
    Message = apps.get_model("messaging", "Message")
    messages = (
        Message.objects.filter(conversation__dispute__isnull=False, hidden_at__isnull=True)
        .select_related("conversation")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    DisputeMessage.objects.bulk_create(
        DisputeMessage(
            dispute_id=message.conversation.dispute_id,
            author_id=message.author_id,
            body=_with_file_names(message),
            created_at=message.created_at,
        )
        for message in messages
    )
    Conversation.objects.filter(dispute__isnull=False).delete()


def _with_file_names(message) -> str:
    names = [attachment.name for attachment in message.attachments.all()]
    if not names:
        return message.body
    files = f"Attached: {', '.join(names)}"
    return f"{message.body}\n\n{files}" if message.body else files


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0002_conversations_and_preferences"),
        ("disputes", "0001_initial"),
    ]

    operations = [migrations.RunPython(move_dispute_messages, restore_dispute_messages)]
