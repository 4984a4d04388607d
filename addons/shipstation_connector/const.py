"""ShipStation constants, each with where ShipStation documents it."""

import re

# https://www.shipstation.com/docs/api/requirements/ : the V1 API's one base URL.
API_HOSTS = ("ssapi.shipstation.com",)
# The resource_url of a webhook names a numbered host of the same family
# (https://ssapi6.shipstation.com/shipments?batchId=...): it is fetched with the
# account's credentials only when its host is one of these.
RESOURCE_HOST = re.compile(r"ssapi[0-9]{0,3}\.shipstation\.com")

# https://www.shipstation.com/docs/api/requirements/#api-rate-limits
RATE_LIMIT_REQUESTS = 40
RATE_LIMIT_WINDOW_SECONDS = 60

# https://www.shipstation.com/docs/api/orders/create-update-multiple-orders/
MAX_ORDERS_PER_CALL = 100
# https://www.shipstation.com/docs/api/requirements/#pagination
MAX_PAGE_SIZE = 500

# A call made while a person waits (rates, a label on validation) waits for the rate
# limit this long at most; beyond it the person is told when to try again.
INTERACTIVE_MAX_WAIT_SECONDS = 5.0

# The poll of shipments behind the webhooks goes back this far before its last run:
# ShipStation's createDate is the label's, which can precede the webhook.
SHIPMENT_POLL_OVERLAP_MINUTES = 30
# A page of the poll is applied by one job: 100 shipments with their items.
SHIPMENT_POLL_PAGE_SIZE = 100

# https://www.shipstation.com/docs/api/webhooks/subscribe/
WEBHOOK_EVENTS = ("SHIP_NOTIFY",)

# Tracking pages by ShipStation carrier code; {ref} is the tracking number.
TRACKING_URLS = {
    "stamps_com": "https://tools.usps.com/go/TrackConfirmAction?tLabels={ref}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={ref}",
    "ups": "https://www.ups.com/track?tracknum={ref}",
    "ups_walleted": "https://www.ups.com/track?tracknum={ref}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={ref}",
    "royal_mail": "https://www.royalmail.com/track-your-item#/tracking-results/{ref}",
    "dhl_express": "https://www.dhl.com/en/express/tracking.html?AWB={ref}",
}
