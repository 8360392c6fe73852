"""The numbers and words the rows are made of: columns, shares, delays, texts."""

CHUNK = 20_000  # orders per chunk: the unit of generation, of COPY and of the random streams
FIRST_CHUNK = 2_500  # the first chunks are smaller, so that the writer starts early
DAY = 86_400
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # the alphabet of intake.new_code
ORDER_PREFIX, TRACKING_PREFIX = "GS", "SS"  # real codes start with "GD" and "S" + a digit
TABLES = ("workorders_workorder", "workorders_appeal", "workorders_assignment")

# -- the columns written, in COPY order ---------------------------------------------------------

ORDER_COLUMNS = [
    "id",
    "code",
    "state",
    "nature",
    "category_id",
    "urgency",
    "channel",
    "title",
    "content",
    "area_code",
    "region_id",
    "grid_id",
    "address",
    "lon",
    "lat",
    "dispatch_unit_id",
    "lead_unit_id",
    "supervision",
    "registered_at",
    "dispatched_at",
    "signed_at",
    "replied_at",
    "verified_at",
    "closed_at",
    "sign_deadline",
    "handle_deadline",
    "warn_at",
    "remind_at",
    "is_warned",
    "is_sign_overdue",
    "is_overdue",
    "reminded_at",
    "suspended_at",
    "suspended_from",
    "sign_limit_unit",
    "handle_limit_unit",
    "extension_days",
    "reply_result",
    "reply_text",
    "answered_directly",
    "merged_into_id",
    "returns_count",
    "reopen_count",
    "escalations_count",
    "version",
    "updated_at",
]
APPEAL_COLUMNS = [
    "id",
    "tracking_code",
    "work_order_id",
    "is_primary",
    "channel",
    "nature",
    "category_id",
    "urgency",
    "title",
    "content",
    "occurred_at",
    "address",
    "lon",
    "lat",
    "area_code",
    "people_involved",
    "amount_involved",
    "appellant_name",
    "appellant_phone",
    "phone_key",
    "anonymous",
    "confidential",
    "publishable",
    "submitted_by_id",
    "idempotency_key",
    "idempotency_fingerprint",
    "attributes",
    "media_url",
    "rating",
    "rating_comment",
    "rated_at",
    "rated_via",
    "created_at",
]
# The assignment ids come from the table's own sequence: nothing refers to them.
ASSIGNMENT_COLUMNS = [
    "work_order_id",
    "unit_id",
    "role",
    "state",
    "assigned_at",
    "signed_at",
    "signed_in_time",
    "replied_at",
    "reply_text",
    "return_reason",
]

# -- distributions ------------------------------------------------------------------------------

# Channels at the start and at the end of the span (interpolated in between): the hotline
# carries most, WeChat grows at its expense.
CHANNELS_START = {
    "hotline": 50,
    "wechat": 12,
    "web": 12,
    "grid": 16,
    "sensor": 2.5,
    "api": 2.5,
    "walk_in": 4,
    "assigned": 1,
}
CHANNELS_END = {
    "hotline": 42,
    "wechat": 20,
    "web": 11,
    "grid": 16,
    "sensor": 4,
    "api": 3.5,
    "walk_in": 2.5,
    "assigned": 1,
}
# Leaves in order of popularity (the rest follow in a seeded order); weight 1 / rank^ZIPF.
POPULAR = [
    "占道经营",
    "乱停车",
    "社会生活噪声",
    "垃圾清运不及时",
    "拖欠工资",
    "道路破损",
    "施工噪声",
    "物业服务",
    "邻里纠纷",
    "乱堆乱放",
    "油烟扰民",
    "医保咨询",
    "路灯损坏",
    "排水不畅",
    "停水",
    "违章搭建",
    "消费纠纷",
    "养老政策",
    "犬只未牵绳",
    "群租",
]
ZIPF = 0.8
# Cameras and sensors see only some matters.
SENSOR_LEAVES = ["占道经营", "乱堆乱放", "乱停车", "露天焚烧", "河道污染", "井盖缺失", "路灯损坏"]
# Nature by the root of the category tree (demo codes); leaves named 咨询 are consultations.
NATURES = ("complaint", "report", "help", "consult", "suggestion", "praise")
NATURE_BY_ROOT = {
    "01": (72, 16, 3, 1.5, 7, 0.5),
    "02": (82, 12, 0, 1.5, 4, 0.5),
    "03": (55, 25, 12, 6, 0, 2),
    "04": (22, 0, 62, 14, 0, 2),
    "05": (48, 40, 0, 10, 0, 2),
    "06": (40, 50, 8, 0, 0, 2),
    "07": (30, 0, 65, 5, 0, 0),
    "08": (0, 0, 8, 86, 4, 2),
    "09": (55, 20, 0, 6, 17, 2),
    "10": (33, 0, 40, 22, 3, 2),
}
NATURE_DEFAULT = (60, 15, 10, 10, 4, 1)
NATURE_CONSULT = (0, 0, 10, 85, 5, 0)
# 直办 by the operator, by nature and channel (only natures the guard allows).
DIRECT = {
    ("consult", "hotline"): 0.55,
    ("consult", "walk_in"): 0.45,
    ("consult", "web"): 0.2,
    ("consult", "wechat"): 0.2,
    ("help", "hotline"): 0.08,
    ("suggestion", "hotline"): 0.3,
    ("praise", "hotline"): 0.6,
    ("praise", "web"): 0.4,
    ("praise", "wechat"): 0.4,
}
URGENCY = (("critical", 0.004), ("urgent", 0.03))
GRID_SHARE = 0.86  # the rest are filed under a village (the caller named no place on the map)
PUBLIC = frozenset({"web", "wechat", "api"})
OPERATOR_CHANNELS = frozenset({"hotline", "walk_in", "assigned"})

P_MERGE = 0.015  # a duplicate of an open order of the same kind in the same village
P_RETURN = 0.04  # the first dispatch goes to a unit that returns it
P_SIGN_ON_TIME = 0.90
P_REPLY_ON_TIME = 0.92
P_SUSPEND = 0.008
P_VERIFY_REJECT = 0.03
P_RATED = 0.80  # of those who left a phone: rated within ARCHIVE_UNRATED_DAYS
RATINGS = (("satisfied", 0.85), ("basically", 0.10), ("dissatisfied", 0.05))
RETURN_REASONS = (
    ("overlapping_duties", 0.4),
    ("wrong_territory", 0.25),
    ("unclear_ownership", 0.2),
    ("out_of_scope", 0.15),
)
REPLY_RESULTS = (("solved", 0.85), ("partly", 0.10), ("unsolved", 0.05))

# Local hour weights of registrations on working and on other days.
HOURS_WORK = [
    0.15, 0.1, 0.08, 0.06, 0.06, 0.1, 0.3, 0.8, 1.6, 2.2, 2.3, 2.0,
    1.2, 1.4, 2.0, 2.1, 1.9, 1.5, 1.0, 0.9, 0.8, 0.6, 0.4, 0.25,
]  # fmt: skip
HOURS_REST = [
    0.15, 0.1, 0.07, 0.05, 0.05, 0.08, 0.2, 0.5, 0.9, 1.2, 1.3, 1.2,
    1.0, 1.0, 1.1, 1.1, 1.0, 0.9, 0.8, 0.8, 0.7, 0.5, 0.35, 0.2,
]  # fmt: skip
REST_DAY_WEIGHT = 0.45
GROWTH = (0.8, 1.2)  # relative volume at the start and at the end of the span
WORK_START, WORK_END = 8 * 3600 + 1800, 17 * 3600 + 1800  # 08:30–17:30 local

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘沈蒋蔡余杜叶程苏魏吕丁任姚卢钟姜崔谭陆范汪金石廖贾夏韦傅方邹熊孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤"  # noqa: E501
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华文燕玲桂英建国玉兰志红梅东海永康佳怡子涵浩然晨欣宇轩雨婷嘉琪思远凯鹏飞俊辉秀云小春"  # noqa: E501
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "170",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]

TAILS = {
    "complaint": [
        "多次反映未解决，希望尽快处理。",
        "影响居民正常生活，请相关部门处理。",
        "已经持续一周了，请尽快处理。",
        "周边居民意见很大。",
    ],
    "report": ["请相关部门核查处理。", "存在安全隐患，请尽快查处。", "请依法查处。"],
    "help": ["希望有关部门帮忙协调解决。", "自己无法解决，请求帮助。", "情况比较急，请帮忙。"],
    "consult": ["想咨询具体办理流程和所需材料。", "请问相关政策是怎样规定的？", "请告知办理渠道。"],
    "suggestion": ["建议相关部门加强管理。", "建议增设相关设施。", "建议定期巡查。"],
    "praise": ["工作人员处理及时，特此表扬。", "感谢社区工作人员的帮助。"],
}
TITLES = {
    "complaint": ["{leaf}问题", "反映{leaf}", "{leaf}，请求处理", "投诉{leaf}"],
    "report": ["举报{leaf}", "{leaf}线索", "发现{leaf}"],
    "help": ["{leaf}求助", "请求帮助：{leaf}", "{leaf}，求协调"],
    "consult": ["咨询{leaf}", "{leaf}怎么办理", "关于{leaf}的咨询"],
    "suggestion": ["关于{leaf}的建议", "建议改进{leaf}"],
    "praise": ["表扬：{leaf}处理及时", "感谢{leaf}办理"],
}
REPLIES = {
    "solved": [
        "经现场核实已处理完毕，并与反映人电话沟通。",
        "已安排人员处理，问题已解决。",
        "已联系相关责任方整改到位。",
    ],
    "partly": ["已部分处理，剩余问题已列入整改计划。", "已协调处理，后续持续跟进。"],
    "unsolved": ["经核实暂不具备处理条件，已向反映人解释说明。"],
}
DIRECT_REPLIES = ["已电话答复，相关政策和办理渠道已告知。", "已当场答复，所需材料已短信发送。"]
RATING_COMMENTS = {
    "satisfied": ["", "", "", "处理及时", "态度很好"],
    "basically": ["", "", "处理有点慢"],
    "dissatisfied": ["问题没有解决", "答复敷衍", ""],
}
