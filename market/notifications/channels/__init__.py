"""Channel adapters the relay delivers through. In-app needs none: the outbox row is the inbox entry."""

from __future__ import annotations

from market.notifications.channels.base import ChannelAdapter
from market.notifications.channels.email import EmailChannel
from market.notifications.channels.sms import SmsChannel
from market.notifications.channels.zalo import ZaloChannel
from market.notifications.models import Channel

ADAPTERS: dict[Channel, ChannelAdapter] = {
    Channel.EMAIL: EmailChannel(),
    Channel.ZALO: ZaloChannel(),
    Channel.SMS: SmsChannel(),
}


def adapter_for(channel: str) -> ChannelAdapter:
    return ADAPTERS[Channel(channel)]
