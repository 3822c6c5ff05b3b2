"""The words of the demo's history: what enterprises ask per service item, how officers
answer, what a rating says. Chinese, as a park's enterprises write."""

from __future__ import annotations

import random
import re

# service item code → (title, description) the enterprises file
REQUESTS: dict[str, list[tuple[str, str]]] = {
    "policy-enquiry": [
        (
            "高新技术企业认定补贴怎么申报",
            "我司去年通过高新技术企业认定，请问区里的一次性奖励补贴需要准备哪些材料，什么时候开始申报？",
        ),
        ("研发费用加计扣除政策咨询", "今年研发投入较大，想了解研发费用加计扣除的比例和备案流程。"),
        ("稳岗补贴申领条件", "企业去年未裁员，想咨询稳岗补贴是否可以申领，以及申领渠道。"),
        ("专精特新企业奖励政策", "我司拟申报省级专精特新中小企业，想了解园区配套奖励和辅导安排。"),
    ],
    "agency-service": [
        ("新建厂房项目手续代办", "二期厂房已完成设计，需要办理规划许可、施工许可等手续，希望首席服务员全程代办。"),
        ("技改项目备案代办", "年产能提升技改项目需要备案，涉及发改、环保、安监多个部门，请协助代办。"),
        ("分公司设立全程代办", "计划在园区设立分公司，请协助办理设立登记、税务登记和银行开户。"),
    ],
    "complaint": [
        ("园区道路施工影响货车进出", "厂区门口道路施工已持续两周，大货车无法进出，影响正常发货，请协调施工单位。"),
        ("审批窗口多次要求补材料", "办理变更时窗口前后三次要求补充不同材料，没有一次性告知，希望改进。"),
        ("周边企业夜间噪音扰民", "隔壁企业夜间生产噪音很大，影响我司员工宿舍休息，已多次沟通无果。"),
    ],
    "financing": [
        ("流动资金贷款对接", "原材料涨价导致流动资金紧张，希望对接银行办理 500 万元流动资金贷款。"),
        ("贷款贴息申请", "我司去年的技改贷款符合贴息条件，请问如何申请区级贴息？"),
        ("融资担保咨询", "缺少抵押物，想了解园区政策性融资担保的条件和费率。"),
    ],
    "project-landing": [
        ("签约项目开工前手续跟踪", "新签约的智能装备项目计划下月开工，请协助梳理开工前需要完成的手续清单。"),
        ("项目用地交付进度", "项目用地约定本月交付，目前场地平整尚未完成，请帮忙了解进度。"),
    ],
    "land-use": [
        ("标准化厂房租赁咨询", "我司扩产需要约 3000 平方米标准化厂房，想了解园区空置厂房和租金政策。"),
        ("工业用地容积率调整", "现有用地容积率偏低，想加建一层，请问是否可以调整，流程是什么？"),
    ],
    "construction-permit": [
        ("办公楼施工许可办理", "办公楼项目已取得规划许可，请指导施工许可证的办理材料和时限。"),
        ("钢结构厂房施工许可", "新建钢结构仓库，想确认是否需要办理施工许可以及办理流程。"),
    ],
    "completion-acceptance": [
        ("二期厂房竣工联合验收", "二期厂房主体工程已完工，申请组织竣工联合验收，请告知需要准备的资料。"),
        ("消防验收预约", "仓库改造完成，需要预约消防验收，请协助对接。"),
    ],
    "licence-change": [
        ("营业执照经营范围变更", "公司新增医疗器械销售业务，需要变更经营范围，请问流程和时限。"),
        ("法定代表人变更登记", "公司法定代表人调整，需要办理变更登记，能否全程网办？"),
        ("注册地址迁入园区", "公司注册地址拟迁入园区新厂址，请指导迁移登记手续。"),
    ],
    "special-equipment": [
        ("新购叉车使用登记", "新购 3 台叉车，需要办理特种设备使用登记，请问需要哪些材料？"),
        ("压力容器定期检验", "厂内两台压力容器即将到期检验，请协助联系检验机构。"),
    ],
    "power-connection": [
        ("新厂房用电报装", "新厂房需要接入 10kV 电源，装机容量约 2000kVA，请协助办理报装。"),
        ("生产线扩容增容申请", "新增两条生产线，现有变压器容量不足，申请增容 800kVA。"),
        ("临时施工用电", "厂区改造需要临时施工用电三个月，请问如何申请。"),
    ],
    "power-repair": [
        ("厂区突然停电", "今天上午厂区突然全部停电，生产线停摆，请尽快派人抢修。"),
        ("电压不稳导致设备跳闸", "近一周电压波动频繁，数控设备多次跳闸，请检查线路。"),
    ],
    "water-connection": [
        ("新建宿舍楼用水报装", "员工宿舍楼即将投用，需要新装用水，请协助办理。"),
        ("生产用水增容", "新增清洗工序，日用水量增加约 200 吨，申请增容。"),
    ],
    "water-repair": [
        ("厂区门口水管爆裂", "厂区门口主管道爆裂，大量漏水，请紧急抢修。"),
        ("水压不足影响生产", "最近几天水压明显不足，冷却系统无法正常运行。"),
    ],
    "eia-enquiry": [
        ("扩建项目环评类别咨询", "扩建喷涂车间，想了解需要编制报告书还是报告表。"),
        ("环评审批时限咨询", "新项目环评报告已编制完成，请问审批需要多长时间？"),
    ],
    "discharge-permit": [
        ("排污许可证延续", "排污许可证将于下月到期，请指导延续申请。"),
        ("新增排放口变更排污许可", "新增一个废气排放口，需要变更排污许可证。"),
    ],
    "tax-enquiry": [
        ("增值税留抵退税咨询", "我司有较大留抵税额，想了解留抵退税的条件和办理流程。"),
        ("电子发票开具问题", "全面数字化电子发票开具时提示授信额度不足，请问如何调整？"),
        ("小微企业税收优惠", "想确认我司是否符合小型微利企业所得税优惠条件。"),
    ],
    "export-tax-refund": [
        ("出口退税进度查询", "上月申报的出口退税至今未到账，请帮忙查询进度。"),
        ("首次出口退税备案", "公司首次开展出口业务，需要办理出口退（免）税备案。"),
    ],
    "recruitment": [
        ("急招普工 80 名", "新订单增加，急需招聘普工 80 名，希望园区协助发布招聘信息并组织招聘会。"),
        ("技术工人技能培训", "新招员工需要焊工培训，想了解园区职业技能培训补贴。"),
        ("高校毕业生招聘对接", "希望对接本地高校，招聘机械、电气专业应届毕业生。"),
    ],
    "social-insurance": [
        ("新员工社保参保登记", "本月新入职 35 名员工，需要办理社保参保登记。"),
        ("社保缴费基数调整", "请问今年社保缴费基数什么时候调整，如何申报？"),
    ],
    "talent-policy": [
        ("博士人才安家补贴申报", "我司引进两名博士，想申请人才安家补贴，请问申报时间和材料。"),
        ("高层次人才子女入学", "引进的高层次人才子女需要就近入学，请协助对接教育部门。"),
    ],
}

ACCEPT_REPLIES = [
    "您好，已收到您的诉求，我们正在对接相关部门，会尽快给您答复。",
    "已签收，今天下午会电话联系贵司经办人了解详细情况。",
    "收到，已安排专人跟进，预计三个工作日内反馈进展。",
    "您好，请补充一下相关证照的扫描件，便于我们加快办理。",
]
ENTERPRISE_REPLIES = [
    "好的，谢谢，材料已经准备好，稍后上传。",
    "请问目前进展到哪一步了？我们这边比较急。",
    "已按要求补充材料，请查收。",
    "感谢及时回复，我们等您消息。",
]
NOTES = [
    "已电话联系企业经办人，需求已核实。",
    "涉及供电公司，已发函协调。",
    "企业材料基本齐全，待现场核查。",
    "此事需分管领导协调，已口头汇报。",
]
RESOLUTIONS = [
    "经协调，相关手续已全部办结，证照已送达企业。",
    "已联系相关部门现场处理，问题已解决，企业确认恢复正常。",
    "已向企业详细解答政策要点并发送申报指南，企业表示清楚。",
    "已完成审批，结果已通过短信和系统通知企业。",
    "经现场勘察和协调，方案已确定并实施完毕。",
]
SUSPEND_REASONS = ["请企业补充近三个月的财务报表。", "待企业提供土地证复印件。", "请补充法定代表人身份证明材料。"]
EXTENSION_REASONS = [
    "涉及多个部门会签，需延长办理时限。",
    "供电公司设备到货推迟，需延期。",
    "企业补充材料时间较长，申请延期五个工作日。",
]
ASSIST_REQUESTS = [
    "请协助核实该企业的用地规划条件。",
    "请协助确认该项目的环评手续是否齐全。",
    "请协助提供该企业的纳税信用等级。",
]
ASSIST_ANSWERS = ["已核实，符合条件。", "手续齐全，可以推进。", "已提供相关信息，详见附件说明。"]
SUPERVISION_ANSWERS = [
    "已加派人手，明天上午前办结并书面答复企业。",
    "延误原因是外部单位未及时回函，已当面催办，两日内完成。",
    "已向企业致歉并说明情况，今日完成办理。",
]
GOOD_COMMENTS = ["办事效率高，服务很周到！", "首席服务员很负责，全程代办省了不少事。", "回复及时，非常满意。", "", ""]
FAIR_COMMENTS = ["基本解决了问题，希望以后能更快一些。", ""]
BAD_COMMENTS = [
    "拖了很久才处理，中间没人告诉我们进展。",
    "问题没有真正解决，只是答复了政策条文。",
    "多次打电话都没人接，体验很差。",
]
REVIEW_VALID = "经核查，办理过程存在沟通不及时的问题，评价属实，启动整改。"
REVIEW_DISMISSED = "经核查，该事项已按承诺时限办结，企业诉求超出政策范围，评价不属实。"
RETURN_VISIT_RESULTS = [
    ("phone", "电话回访，企业对整改结果表示认可。", True),
    ("on_site", "上门回访，企业认为问题已解决，但希望加强沟通。", True),
    ("phone", "电话回访，企业仍不满意，将继续跟进。", False),
]
WITHDRAW_REASONS = ["问题已自行解决，撤回申请。", "重复提交，撤回。"]
PRAISE_NOTES = ["企业送来锦旗“服务企业 情系发展”。", "企业来函感谢首席服务员的全程代办服务。"]
VISIT_SUMMARIES = [
    "走访了解企业生产经营情况，订单饱满，用工压力较大。",
    "实地查看新建生产线进度，企业反映用电容量不足。",
    "宣讲最新惠企政策，企业对研发费用加计扣除很感兴趣。",
    "了解企业融资需求，拟对接两家银行。",
    "企业经营平稳，暂无新的诉求。",
    "查看环保设施运行情况，提醒按期申报排污许可延续。",
]
PEOPLE_MET = ["总经理", "行政部经理", "财务总监", "生产副总", "董事长"]
VISIT_PROBLEMS = [
    ("recruitment", "企业反映普工招聘困难，希望园区协助组织专场招聘会。"),
    ("power-connection", "企业新生产线需要增容用电，请供电部门上门对接。"),
    ("financing", "企业需要流动资金贷款，请协助对接银行。"),
]

# --- many wordings of one request -------------------------------------------------------------
# The same problem as different enterprises write it: a phrasing of the item (REQUESTS) with
# who is writing, when and where it happens, what equipment it concerns and how they close.
# bench/seed.py fills a zone's history with these (see varied_request).

COMPANY_CONTEXTS = [
    "我司是园区一家汽车零部件制造企业",
    "我们是去年入驻的电子信息企业",
    "公司主营食品加工，员工约三百人",
    "我司为新材料企业，今年产能翻番",
    "我们是一家外贸型服装企业",
    "本公司从事精密机械加工",
    "我司是省级专精特新中小企业",
    "我们是刚落户的智能装备项目",
    "公司是园区的老企业，已经入驻十年",
    "我司为生物医药企业，正在建设二期",
    "",
    "",
]
_SAYS_WHEN = re.compile("今天|昨天|最近|近一周|近几天|上月|本月|今年|去年")
WHEN = ["", "", "", "今天上午", "昨天下午", "本周一", "近几天", "上周", "本月初", "最近", "目前"]
PLACES = [
    "一号车间",
    "二期厂房",
    "成品仓库",
    "办公楼",
    "员工宿舍",
    "厂区东门",
    "研发中心",
    "新建生产线",
    "园区北路厂区",
    "物流中转区",
]
EQUIPMENT: dict[str, list[str]] = {
    "power-connection": ["变压器", "配电柜", "高压开关柜", "空压机"],
    "power-repair": ["配电柜", "变压器", "数控机床", "生产线电机"],
    "water-connection": ["供水管网", "水表", "消防水池"],
    "water-repair": ["供水主管", "水泵", "冷却塔", "水表井"],
    "special-equipment": ["叉车", "锅炉", "电梯", "起重机", "压力容器"],
    "completion-acceptance": ["消防设施", "钢结构", "电梯"],
    "discharge-permit": ["废气处理设施", "污水处理站", "在线监测设备"],
    "eia-enquiry": ["喷涂线", "污水处理站", "废气处理设施"],
}
TITLE_FORMS = ["{}", "{}", "{}", "关于{}", "{}的问题", "【急】{}", "{}，请协助", "咨询：{}"]
CLOSINGS = [
    "",
    "请尽快协助处理。",
    "麻烦帮忙看一下，谢谢！",
    "盼复。",
    "事情比较急，影响正常生产。",
    "请告知办理时限。",
    "联系人电话已在系统中登记。",
    "希望首席服务员能上门对接。",
]


def varied_request(rng: random.Random, code: str) -> tuple[str, tuple[str, ...]]:
    """A request for service item `code` in one of many wordings, deterministic for `rng`:
    (title, description parts). The description is ``"".join(parts)``; every part ends
    with punctuation, so the words of the description are the words of its parts, one after
    the other (what lets bench/seed.py cut each part once and reuse it)."""
    phrasings = REQUESTS.get(code) or [("业务咨询", "请协助办理相关业务。")]
    title, description = phrasings[rng.randrange(len(phrasings))]
    parts: list[str] = []
    context = COMPANY_CONTEXTS[rng.randrange(len(COMPANY_CONTEXTS))]
    if context:
        parts.append(context + "。")
    when = WHEN[rng.randrange(len(WHEN))]
    parts.append(description if _SAYS_WHEN.search(description) else when + description)
    equipment = EQUIPMENT.get(code)
    place = PLACES[rng.randrange(len(PLACES))]
    roll = rng.random()
    if equipment and roll < 0.6:
        parts.append(f"涉及{place}的{equipment[rng.randrange(len(equipment))]}。")
    elif roll < 0.4:
        parts.append(f"地点在{place}。")
    closing = CLOSINGS[rng.randrange(len(CLOSINGS))]
    if closing:
        parts.append(closing)
    return TITLE_FORMS[rng.randrange(len(TITLE_FORMS))].format(title), tuple(parts)
