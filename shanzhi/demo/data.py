"""Facts the demo municipality is built from: Huzhou's real code and its five real districts and
counties; township names are real, their codes and the village names follow the national scheme
(streets 0xx, towns 1xx; residents' committees 0xx, village committees 2xx)."""

CITY_CODE = "330500000000"
PROVINCE_CODE = "330000000000"

# The province, the city and its counties, with the centres the national division list gives
# them. The demo builds these itself when that list is not installed (it is the `regions`
# extra); demo/tests/test_regions.py checks that both agree, so both builds are the same place.
REGIONS = [
    ("330000000000", "浙江省", 120.152585, 30.266597),
    ("330500000000", "湖州市", 120.086809, 30.89441),
    ("330502000000", "吴兴区", 120.185838, 30.857151),
    ("330503000000", "南浔区", 120.418513, 30.849689),
    ("330521000000", "德清县", 119.9774, 30.54251),
    ("330522000000", "长兴县", 119.910952, 31.026665),
    ("330523000000", "安吉县", 119.680353, 30.638674),
]

# county code → [(township suffix, name)]
TOWNSHIPS = {
    "330502000000": [("001", "月河街道"), ("002", "朝阳街道"), ("101", "织里镇")],
    "330503000000": [("101", "南浔镇"), ("102", "练市镇"), ("103", "双林镇")],
    "330521000000": [("001", "武康街道"), ("101", "乾元镇"), ("102", "新市镇")],
    "330522000000": [("001", "雉城街道"), ("101", "泗安镇"), ("102", "煤山镇")],
    "330523000000": [("001", "递铺街道"), ("101", "天荒坪镇"), ("102", "孝丰镇")],
}

COMMUNITY_NAMES = [
    "潮音桥",
    "南门",
    "馆驿河头",
    "新风",
    "凤凰",
    "白雀",
    "龙溪",
    "清丽",
    "红丰",
    "吉山",
    "苕溪",
    "仁北",
    "碧浪",
    "塘北",
    "英溪",
    "城东",
    "城西",
    "桥西",
    "长中",
    "画溪",
    "胥仓",
    "金山",
    "东街",
    "龙山",
    "天使",
    "凤栖",
    "余英",
    "吴兴",
    "月河",
    "府庙",
]
VILLAGE_NAMES = [
    "余村",
    "荻港村",
    "大港村",
    "义皋村",
    "轧村村",
    "秦家港村",
    "河西村",
    "横街村",
    "向阳村",
    "新华村",
    "洋溪村",
    "上林村",
    "八字桥村",
    "杨墩村",
    "东衡村",
    "五四村",
    "高家墩村",
    "鲁家村",
    "大溪村",
    "银坑村",
    "山川村",
    "报福村",
    "仙山村",
    "新川村",
    "白茶村",
    "石门村",
    "下渚湖村",
    "二都村",
    "勤劳村",
    "城山村",
    "东林村",
    "方家山村",
    "顾渚村",
    "水口村",
    "金沙村",
    "尚儒村",
    "长潮村",
    "章村村",
    "港口村",
    "潘店村",
    "丁桥村",
    "沈家墩村",
    "陈塘桥村",
    "和孚村",
    "菱湖村",
    "善琏村",
    "千金村",
    "石淙村",
    "旧馆村",
    "含山村",
    "庙西村",
    "溪龙村",
    "董岭村",
    "大里村",
    "高禹村",
]

COUNTY_DEPARTMENTS = [
    "住房和城乡建设局",
    "综合行政执法局",
    "市场监督管理局",
    "公安分局",
    "人力资源和社会保障局",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘沈"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "海燕",
    "建国",
    "玉兰",
    "国强",
    "丽华",
    "志明",
    "春梅",
    "晓东",
    "红梅",
    "永康",
    "佳怡",
    "子涵",
    "浩然",
]

# The demo accounts: username → (full name, role, where). "where" names the unit by a key the
# builder resolves: the first township of 吴兴区 is the dispatcher's, the third is the outsider's.
ACCOUNTS = [
    ("resident", "王秀英", "resident", "village"),
    ("gridworker", "李建国", "grid_worker", "village"),
    ("villageclerk", "陈丽华", "village_clerk", "village"),
    ("operator", "黄丽", "operator", "county"),
    ("dispatcher", "张伟", "township_dispatcher", "township"),
    ("department", "刘洋", "department_handler", "department"),
    ("commander", "赵军", "district_commander", "county"),
    ("mediator", "孙静", "mediator", "mediation"),
    ("leader", "周明", "leader", "city"),
    ("admin", "吴芳", "admin", "city"),
    ("outsider", "郑强", "township_dispatcher", "other_township"),
]

# The category tree: (code, name, children). Leaves are what appeals are filed under.
CATEGORIES = [
    (
        "01",
        "城市管理",
        [
            ("0101", "市容环境", ["占道经营", "乱堆乱放", "户外广告", "乱贴乱画"]),
            ("0102", "违法建设", ["违章搭建", "私搭乱建"]),
            ("0103", "市政设施", ["道路破损", "井盖缺失", "路灯损坏", "排水不畅"]),
        ],
    ),
    (
        "02",
        "环境保护",
        [
            ("0201", "噪声污染", ["施工噪声", "社会生活噪声"]),
            ("0202", "垃圾分类", ["垃圾分类投放", "垃圾清运不及时"]),
            ("0203", "水污染", ["河道污染"]),
            ("0204", "大气污染", ["油烟扰民", "露天焚烧"]),
        ],
    ),
    (
        "03",
        "住房保障",
        [
            ("0301", "出租房安全", ["出租房消防隐患", "群租"]),
            ("0302", "物业管理", ["物业服务", "电梯故障"]),
        ],
    ),
    (
        "04",
        "劳动保障",
        [
            ("0401", "劳资纠纷", ["拖欠工资", "社保缴纳"]),
            ("0402", "就业服务", ["就业咨询"]),
        ],
    ),
    (
        "05",
        "市场监管",
        [
            ("0501", "食品安全", ["食品安全问题"]),
            ("0502", "价格监管", ["价格欺诈"]),
            ("0503", "消费维权", ["消费纠纷"]),
        ],
    ),
    (
        "06",
        "社会治安",
        [
            ("0601", "犬只管理", ["犬只未牵绳", "流浪犬"]),
            ("0602", "治安隐患", ["治安隐患"]),
        ],
    ),
    (
        "07",
        "矛盾纠纷",
        [
            ("0701", "邻里纠纷", ["邻里纠纷", "宅基地纠纷"]),
            ("0702", "家庭纠纷", ["婚姻家庭纠纷", "赡养纠纷"]),
        ],
    ),
    (
        "08",
        "政策咨询",
        [
            ("0801", "社会保障", ["医保咨询", "养老政策"]),
            ("0802", "户籍证照", ["户籍办理", "证照办理"]),
            ("0803", "其他咨询", ["其他政策咨询"]),
        ],
    ),
    (
        "09",
        "交通出行",
        [
            ("0901", "道路交通", ["乱停车", "信号灯故障"]),
            ("0902", "公共交通", ["公交服务"]),
        ],
    ),
    (
        "10",
        "公共服务",
        [
            ("1001", "供水供电", ["停水", "停电"]),
            ("1002", "教育卫生", ["入学咨询", "医疗服务"]),
        ],
    ),
]

# Dispatch rules: category code → (unit kind, level) for 属地 units, or a county department by
# name (one rule per county). Listed lowest level first where a matter has several.
DISPATCH_RULES = [
    ("010102", ("village_committee", "village")),  # 乱堆乱放: the village first
    ("01", ("platform_enforcement", "township")),
    ("0103", ("department", "住房和城乡建设局")),
    ("0202", ("village_committee", "village")),
    ("02", ("platform_enforcement", "township")),
    ("0301", ("platform_zongzhi", "township")),
    ("0302", ("department", "住房和城乡建设局")),
    ("04", ("department", "人力资源和社会保障局")),
    ("05", ("platform_market", "township")),
    ("06", ("department", "公安分局")),
    ("07", ("village_committee", "village")),
    ("07", ("platform_zongzhi", "township")),
    ("08", ("platform_service", "township")),
    ("0901", ("platform_enforcement", "township")),
    ("0902", ("department", "综合行政执法局")),
    ("10", ("platform_service", "township")),
]

# Sample appeals for the demo's work orders: (category leaf name, nature, title, content).
SAMPLE_APPEALS = [
    (
        "道路破损",
        "complaint",
        "小区门口路面塌陷",
        "小区南门外的人行道塌了一个坑，晚上很危险，老人已经摔倒过。",
    ),
    ("排水不畅", "complaint", "雨后积水严重", "每次下雨路口积水到小腿，下水道好像堵了。"),
    ("占道经营", "complaint", "早市摊贩占道", "早上六点到九点路边摆摊，车辆无法通行。"),
    (
        "社会生活噪声",
        "complaint",
        "楼下广场舞噪声",
        "晚上九点半以后广场舞音响仍然很大声，影响休息。",
    ),
    ("垃圾清运不及时", "complaint", "垃圾桶满了没人清", "3 组垃圾桶已经两天没有清运，气味很大。"),
    ("拖欠工资", "help", "装修公司拖欠工资", "在某装修公司干了三个月，还有 1.2 万元工资没有发。"),
    ("邻里纠纷", "help", "楼上漏水不处理", "楼上卫生间漏水到我家天花板，沟通多次不处理。"),
    ("医保咨询", "consult", "异地就医怎么备案", "父亲要去上海住院，请问异地就医备案怎么办理？"),
    ("犬只未牵绳", "report", "小区大型犬不牵绳", "小区里有人遛大型犬不牵绳，孩子被吓到。"),
    ("出租房消防隐患", "report", "出租房电动车室内充电", "隔壁出租房的租户把电动车推进楼道充电。"),
    ("油烟扰民", "complaint", "饭店油烟直排", "街边饭店油烟直接排到居民窗口。"),
    ("路灯损坏", "complaint", "路灯不亮", "河边步道的路灯坏了一周，晚上很黑。"),
    ("户籍办理", "consult", "新生儿落户需要什么材料", "孩子刚出生，请问落户需要准备哪些材料？"),
    ("食品安全问题", "report", "超市卖过期食品", "在某超市买到过期三天的牛奶。"),
    ("违章搭建", "report", "楼顶违章搭建", "顶楼住户在楼顶搭建彩钢房。"),
    ("乱堆乱放", "complaint", "楼道堆放杂物", "楼道里堆满纸箱和旧家具，存在消防隐患。"),
]

# Questions asked of appeals in some categories (Open311 service attributes), all optional:
# category code → [(code, datatype, question, [(key, name)])]
SERVICE_ATTRIBUTES = {
    "010304": [  # 排水不畅
        (
            "depth",
            "singlevaluelist",
            "积水有多深？",
            [("below_ankle", "不到脚踝"), ("ankle", "没过脚踝"), ("knee", "没过膝盖")],
        ),
        ("hours", "number", "积水持续了多少小时？", []),
    ],
    "020102": [  # 社会生活噪声
        (
            "periods",
            "multivaluelist",
            "噪声出现在什么时段？",
            [("morning", "清晨（6 点前）"), ("day", "白天"), ("night", "夜间（22 点后）")],
        ),
    ],
}
