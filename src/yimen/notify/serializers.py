"""API shapes of notify. A citizen sees only their own notifications; campaign output holds counts only."""

from __future__ import annotations

from rest_framework import serializers

from yimen.notify import workflow
from yimen.notify.models import Campaign, Channel, Notification, Preference, Template


class NotificationOut(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "subject",
            "body",
            "action_url",
            "action_label",
            "transactional",
            "created_at",
            "read_at",
            "unread",
        ]

    def get_unread(self, obj) -> bool:
        return obj.read_at is None


class PreferenceIO(serializers.ModelSerializer):
    quiet_start = serializers.TimeField(allow_null=True, required=False, format="%H:%M")
    quiet_end = serializers.TimeField(allow_null=True, required=False, format="%H:%M")

    class Meta:
        model = Preference
        fields = ["sms_enabled", "email_enabled", "quiet_enabled", "quiet_start", "quiet_end"]
        extra_kwargs = {
            "sms_enabled": {"required": True},
            "email_enabled": {"required": True},
            "quiet_enabled": {"required": True},
        }


class TemplateOut(serializers.ModelSerializer):
    class Meta:
        model = Template
        fields = ["code", "name", "subject", "body", "channels", "placeholders", "transactional", "version"]


class CampaignIn(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    template_code = serializers.CharField(max_length=64)
    person_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=True)
    context = serializers.DictField(required=False, default=dict)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, allow_null=True, default=None
    )
    action_url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    action_label = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    dedupe_key = serializers.CharField(max_length=128, required=False, allow_null=True, default=None)
    confirm = serializers.BooleanField(required=False, default=False)


class CampaignOut(serializers.ModelSerializer):
    template_code = serializers.CharField(source="template.code")
    state_label = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "template_code",
            "state",
            "state_label",
            "channels",
            "action_url",
            "action_label",
            "recipient_count",
            "excluded_count",
            "confirmed",
            "created_at",
            "started_at",
            "completed_at",
        ]

    def get_state_label(self, obj) -> str:
        return str(dict(workflow.CampaignState.choices).get(obj.state, obj.state))


class CampaignStatsOut(serializers.Serializer):
    recipients = serializers.IntegerField()
    excluded = serializers.IntegerField()
    outcomes = serializers.DictField(child=serializers.IntegerField())
    processed = serializers.IntegerField()
    percent = serializers.FloatField()
    deliveries = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    by_state = serializers.DictField(child=serializers.IntegerField())
    queued = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    read = serializers.IntegerField()


class CampaignDetailOut(CampaignOut):
    stats = serializers.SerializerMethodField()

    class Meta(CampaignOut.Meta):
        fields = [*CampaignOut.Meta.fields, "stats"]

    def get_stats(self, obj) -> dict:
        from yimen.notify.selectors import campaign_stats

        return CampaignStatsOut(campaign_stats(obj)).data
