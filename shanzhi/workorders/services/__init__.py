"""Every write to appeals and work orders. Views, API, CLI and tasks only call these."""

from shanzhi.workorders.services.base import allowed_actions, expecting_version
from shanzhi.workorders.services.closing import (
    appeal_rate,
    appellant_phone_searched,
    workorder_appellants_viewed,
    workorder_verify,
)
from shanzhi.workorders.services.deadlines import deadlines_sweep
from shanzhi.workorders.services.handling import (
    workorder_answer_directly,
    workorder_co_reply,
    workorder_decide_extension,
    workorder_dispatch,
    workorder_escalate,
    workorder_hand_over,
    workorder_merge,
    workorder_note,
    workorder_reply,
    workorder_request_extension,
    workorder_resume,
    workorder_return,
    workorder_sign,
    workorder_supervise,
    workorder_suspend,
    workorder_take_back,
)
from shanzhi.workorders.services.intake import AppealInput, Registered, Upload, appeal_register
from shanzhi.workorders.services.tracking import appeal_track, tracking_code_normal

__all__ = [
    "workorder_hand_over",
    "workorder_take_back",
    "AppealInput",
    "Registered",
    "Upload",
    "allowed_actions",
    "appeal_rate",
    "appellant_phone_searched",
    "appeal_register",
    "appeal_track",
    "tracking_code_normal",
    "deadlines_sweep",
    "expecting_version",
    "workorder_answer_directly",
    "workorder_appellants_viewed",
    "workorder_co_reply",
    "workorder_decide_extension",
    "workorder_dispatch",
    "workorder_escalate",
    "workorder_merge",
    "workorder_note",
    "workorder_reply",
    "workorder_request_extension",
    "workorder_resume",
    "workorder_return",
    "workorder_sign",
    "workorder_supervise",
    "workorder_suspend",
    "workorder_verify",
]
