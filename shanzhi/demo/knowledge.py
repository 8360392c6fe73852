"""The demo's knowledge base: answers a city hotline gives every day (illustrative wording)."""

import datetime

from shanzhi.knowledge.models import Entry
from shanzhi.knowledge.services import entry_save

ACTOR = "demo"

ENTRIES = [
    (
        "社会保障",
        "社保卡丢失怎么补办？",
        "可携带身份证到就近的社保经办网点或合作银行网点办理挂失补办，也可在“浙里办”APP"
        "申请线上补办，制卡完成后邮寄到家。补卡期间医保结算可使用医保电子凭证。",
    ),
    (
        "户籍证件",
        "办理居住证需要哪些材料？",
        "本人身份证、近期一寸白底照片，以及在本地连续居住半年以上的证明（房屋租赁备案或"
        "房产证明、劳动合同或营业执照之一）。可到居住地派出所户籍窗口或社区警务室办理。",
    ),
    (
        "环境卫生",
        "小区生活垃圾什么时间投放？",
        "居民区实行定时定点投放：早上 7:00–9:00、晚上 18:00–20:00。其他时间请投放到小区"
        "指定的误时投放点。大件垃圾和装修垃圾请预约社区统一清运。",
    ),
    (
        "公用事业",
        "燃气泄漏或燃气故障找谁？",
        "闻到燃气味请立即关闭阀门、打开门窗，不要开关电器或使用明火，到室外安全处拨打燃气"
        "公司 24 小时抢修电话，紧急情况拨打 119。",
    ),
    (
        "城市管理",
        "发现违章停车怎么举报？",
        "可拨打 12345 或通过“我要反映”上传现场照片和位置，城管或交警部门按职责处理；占用"
        "消防通道的情况属于紧急，会优先派单。",
    ),
    (
        "住房保障",
        "公共租赁住房如何申请？",
        "符合本市户籍或持居住证满一定年限、家庭收入和住房面积符合标准的家庭，可向户籍或"
        "居住地街道（乡镇）提出申请，经审核公示后轮候配租。具体标准以当年公布为准。",
    ),
    (
        "劳动保障",
        "被拖欠工资怎么办？",
        "可先与用人单位协商；协商不成可向劳动保障监察部门投诉，或向劳动人事争议仲裁委员会"
        "申请仲裁。请保留劳动合同、考勤记录、工资条等证据。",
    ),
    (
        "医疗卫生",
        "冬季流感疫苗在哪里接种？",
        "各社区卫生服务中心均可接种，建议先通过预约平台预约。60 岁以上老人和在校学生可按"
        "本年度政策享受免费接种。",
    ),
]


def build_entries(today: datetime.date) -> list[Entry]:
    made = []
    for category, question, answer in ENTRIES:
        entry = Entry(category=category, question=question, answer=answer)
        made.append(entry_save(actor=ACTOR, entry=entry))
    # One seasonal answer that expired last month: kept for the record, no longer offered.
    expired = Entry(
        category="医疗卫生",
        question="秋季流感疫苗预约时间？",
        answer="秋季预约已结束，请关注冬季接种安排。",
        valid_to=today.replace(day=1) - datetime.timedelta(days=1),
    )
    made.append(entry_save(actor=ACTOR, entry=expired))
    return made
