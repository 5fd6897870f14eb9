#!/usr/bin/env bash
# Record the orders_/aftersale_/reviews_/complaint_ page fixtures from a dev server whose simulator
# shopper alice has the orders of scripts/orders_states.py. Usage (from the project root):
#   miniprogram/scripts/record_orders.sh http://127.0.0.1:8106 '<the JSON orders_states.py printed>' PRODUCT_ID
# PRODUCT_ID: the demo shop's 纯棉圆领T恤 (it has reviews). Writes go last: they change the states.
set -euo pipefail
BASE=$1
STATES=$2
PRODUCT=$3
PY=${PY:-.venv/bin/python}
state() { "$PY" -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$STATES" "$1"; }
# one sign-in for every call (the login endpoint is rate-limited)
TOKEN=$("$PY" -c "import runpy,sys; print(runpy.run_path('miniprogram/scripts/record.py')['login'](sys.argv[1], 'demo', 'alice', 'wxmini00000000001'))" "$BASE")
rec() { "$PY" miniprogram/scripts/record.py --base "$BASE" --header "Authorization: Token $TOKEN" "$@"; }
PHOTO=${PHOTO:-/tmp/mp-orders-photo.png}
BAD=${BAD:-/tmp/mp-orders-bad.png}
S=/shops/demo
PENDING=$(state pending_payment); PAID=$(state paid); SHIPPED=$(state shipped); DONE=$(state completed)
COUPON=$(state with_coupon); RET=$(state awaiting_return); RET_AS=$(state awaiting_return_after_sale)
REQ=$(state refund_requested); REQ_AS=$(state refund_requested_after_sale); COMPLAINT=$(state complaint)

# reads
rec orders_list_all GET "$S/orders/"
for tab in pending_payment to_ship to_receive completed after_sale; do rec "orders_list_$tab" GET "$S/orders/?tab=$tab"; done
rec orders_list_page1 GET "$S/orders/?page=1&page_size=4"
rec orders_list_page2 GET "$S/orders/?page=2&page_size=4"
rec orders_detail_pending GET "$S/orders/$PENDING/"
rec orders_detail_paid GET "$S/orders/$PAID/"
rec orders_detail_shipped GET "$S/orders/$SHIPPED/"
rec orders_detail_completed GET "$S/orders/$DONE/"
rec orders_detail_coupon GET "$S/orders/$COUPON/"
rec orders_detail_returning GET "$S/orders/$RET/"
rec orders_subscriptions GET "$S/subscriptions/"
rec reviews_pending GET "$S/reviews/pending/"
rec reviews_mine GET "$S/reviews/"
rec reviews_product GET "$S/products/$PRODUCT/reviews/"
rec reviews_product_photos GET "$S/products/$PRODUCT/reviews/?filter=photos"
rec reviews_product_low GET "$S/products/$PRODUCT/reviews/?filter=low"
rec reviews_summary GET "$S/products/$PRODUCT/reviews/summary/"
rec aftersale_awaiting_return GET "$S/orders/$RET/after-sales/$RET_AS/"
rec aftersale_requested GET "$S/orders/$REQ/after-sales/$REQ_AS/"
rec complaint_mine GET "$S/complaints/"
rec complaint_detail GET "$S/complaints/$COMPLAINT/"

# refusals (nothing changes)
rec orders_cancel_refused POST "$S/orders/$SHIPPED/cancel/"
rec orders_confirm_refused POST "$S/orders/$PAID/confirm-receipt/"
rec upload_photo_invalid POST "$S/uploads/photos/" --file "photo=$BAD"
DONE_LINE=$("$PY" -c "import json; print(json.load(open('miniprogram/test/fixtures/orders_detail_completed.json'))['body']['lines'][-1]['id'])")
rec aftersale_amount_refused POST "$S/orders/$DONE/after-sales/" "{\"kind\": \"refund_only\", \"reason\": \"质量问题\", \"lines\": [{\"line_id\": $DONE_LINE, \"quantity\": 1}], \"amount_fen\": 99999999}"
rec aftersale_tracking_refused POST "$S/orders/$RET/after-sales/$RET_AS/return-shipment/" '{"carrier": "sf", "tracking_no": "12"}'
rec reviews_write_refused POST "$S/reviews/" "{\"order_no\": \"$DONE\", \"line_id\": $DONE_LINE, \"rating\": 4, \"text\": \"好\"}"
rec complaint_refused POST "$S/complaints/" '{"kind": "other", "text": "差"}'

# writes: each photo uploaded alone, then the form names the ids
upload_id() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['body']['id'])" "miniprogram/test/fixtures/$1.json"; }
rec upload_photo POST "$S/uploads/photos/" --file "photo=$PHOTO"
rec upload_photo_2 POST "$S/uploads/photos/" --file "photo=${PHOTO2:-/tmp/mp-orders-photo2.png}"
rec reviews_write POST "$S/reviews/" "{\"order_no\": \"$DONE\", \"line_id\": $DONE_LINE, \"rating\": 4, \"text\": \"颜色很正，洗过不掉色。\", \"is_anonymous\": true, \"photo_ids\": [$(upload_id upload_photo), $(upload_id upload_photo_2)]}"
rec upload_photo_3 POST "$S/uploads/photos/" --file "photo=$PHOTO"
rec aftersale_create POST "$S/orders/$DONE/after-sales/" "{\"kind\": \"refund_only\", \"reason\": \"质量问题\", \"lines\": [{\"line_id\": $DONE_LINE, \"quantity\": 1}], \"photo_ids\": [$(upload_id upload_photo_3)]}"
rec upload_photo_4 POST "$S/uploads/photos/" --file "photo=$PHOTO"
rec complaint_create POST "$S/complaints/" "{\"kind\": \"fake\", \"text\": \"收到的商品和描述不一致，怀疑是假货。\", \"order_no\": \"$DONE\", \"photo_ids\": [$(upload_id upload_photo_4)]}"
rec aftersale_return_shipped POST "$S/orders/$RET/after-sales/$RET_AS/return-shipment/" '{"carrier": "sf", "tracking_no": "SF1234567890"}'
rec orders_confirm POST "$S/orders/$SHIPPED/confirm-receipt/"
rec orders_cancel POST "$S/orders/$PENDING/cancel/"
