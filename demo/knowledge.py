"""The demo's knowledge base: a dozen guides (办事指南) in the words a park's service centre
writes them, published zone-wide by the zone manager (through knowledge's services, so each
has its versions and its search document). Idempotent: a guide whose title exists is kept."""

from __future__ import annotations

from knowledge import articles
from knowledge.models import Article
from servicedesk.models import ServiceItem, User

# service item code, title, English title, text
GUIDES: list[tuple[str, str, str, str]] = [
    ("power-connection", "新装、增容用电报装办事指南", "Power connection and capacity increase",
     "一、适用范围：园区内企业新建厂房用电、现有厂房增加用电容量。\n\n"
     "二、申请材料：1. 营业执照复印件；2. 用电申请表（附件）；3. 用电地址产权证明或租赁合同；"
     "4. 用电设备清单及总容量。\n\n"
     "三、办理流程：线上提交申请 → 供电服务中心现场勘查（2个工作日内）→ 答复供电方案 → "
     "企业完成内部工程 → 竣工检验 → 装表接电。\n\n"
     "四、办理时限：低压非居民10个工作日，高压单电源客户不超过22个工作日。\n\n"
     "五、温馨提示：10kV及以上接入需提前与首席服务员沟通外线工程，园区可协调施工许可并联办理。"),
    ("power-repair", "突发停电怎么办？停电抢修报修指引", "Power cut: how to report it",
     "遇到突发停电：\n1. 先确认是否为厂区内部开关跳闸（查看总闸和漏电保护器）。\n"
     "2. 内部无故障的，在平台选择“停电抢修”提交，注明停电范围和开始时间；紧急时同时拨打供电抢修电话。\n"
     "3. 抢修实行昼夜响应，城区45分钟、郊区90分钟内到达现场。\n"
     "4. 计划停电会提前7天在平台和短信通知，请关注消息中心。"),
    ("water-connection", "用水报装及管网接入指南", "Water connection guide",
     "申请材料：营业执照、用水申请表、建设工程规划许可证（新建项目）、给排水设计图纸。\n\n"
     "流程：申请受理 → 现场踏勘 → 设计方案 → 工程施工 → 通水验收，全流程不超过10个工作日（不含企业施工时间）。\n\n"
     "费用：园区内标准厂房接入免收接水工程费。"),
    ("licence-change", "营业执照变更登记（名称、地址、经营范围、法定代表人）", "Changing a business licence",
     "可全程网办：登录市场主体登记注册服务平台，选择“变更登记”。\n\n"
     "需准备：股东会决议或决定、章程修正案、新住所使用证明（变更地址时）、法定代表人任职文件（变更法人时）。\n\n"
     "材料齐全当场办结；需要邮寄执照的，选择免费寄递。变更后30日内记得同步办理税务、银行、社保信息变更。"),
    ("construction-permit", "建筑工程施工许可证办理指南", "Construction permit guide",
     "前置条件：已取得用地批准手续、建设工程规划许可证，施工图审查合格，已确定施工企业和监理单位。\n\n"
     "申请材料：施工许可申请表、施工合同、监理合同、施工图审查合格书、质量安全监督手续。\n\n"
     "时限：材料齐全后3个工作日内发证。园区推行“拿地即开工”，可在首席服务员协助下提前准备并联审批。"),
    ("completion-acceptance", "工程竣工联合验收指南", "Joint completion acceptance",
     "园区实行规划、消防、人防、档案等事项“一次申请、联合验收、统一出件”。\n\n"
     "企业在平台提交竣工联合验收申请，并上传竣工图纸、质量检测报告、消防检测报告；"
     "规划建设局5个工作日内组织现场验收，验收通过后统一出具联合验收意见书。"),
    ("discharge-permit", "排污许可证申领指南", "Pollutant discharge permit",
     "按《固定污染源排污许可分类管理名录》确定重点管理、简化管理或登记管理。\n\n"
     "重点管理和简化管理：在全国排污许可证管理信息平台填报，生态环境分局20个工作日内审核发证；"
     "登记管理：网上填报排污登记表即可，无需审批。\n\n"
     "建设项目应在实际排污前取得排污许可证。"),
    ("eia-enquiry", "建设项目环评分类和办理程序", "Environmental impact assessment: which kind and how",
     "根据《建设项目环境影响评价分类管理名录》，项目分为编制报告书、报告表和填报登记表三类。\n\n"
     "园区已完成规划环评的，符合要求的项目可简化环评内容。拿不准分类时，在平台选择“环评咨询”提问，"
     "生态环境分局2个工作日内答复。"),
    ("tax-enquiry", "研发费用加计扣除政策要点", "Extra deduction of R&D expenses",
     "制造业企业研发费用未形成无形资产计入当期损益的，在按规定据实扣除的基础上，再按实际发生额的100%在税前加计扣除；"
     "形成无形资产的，按无形资产成本的200%在税前摊销。\n\n"
     "享受方式：“自行判别、申报享受、相关资料留存备查”，预缴申报时即可享受。\n\n"
     "需留存：研发项目立项文件、研发费用辅助账、研发人员名单等。"),
    ("export-tax-refund", "出口退（免）税申报辅导", "Export tax refund",
     "首次申报前完成出口退（免）税备案；每月15日前通过电子税务局申报上月出口业务。\n\n"
     "分类管理为一类、二类的出口企业，审核办理时间分别不超过3个、6个工作日。单证备案资料请妥善保存5年。"),
    ("talent-policy", "人才引进补贴和安家费申领指南", "Talent subsidies and settling-in allowance",
     "对象：全职引进到园区企业工作的博士、硕士及高技能人才。\n\n"
     "标准：博士每人每月生活补贴2000元、硕士1000元，连续发放3年；符合条件的一次性发放安家费。\n\n"
     "申报：每年3月、9月集中申报，由企业统一在平台提交，附劳动合同、社保缴费证明和学历学位证书。"),
    ("social-insurance", "稳岗返还和社保补贴申领指南", "Job-retention refund and social insurance subsidies",
     "稳岗返还：上年度未裁员或裁员率低于规定标准的参保企业，按规定比例返还失业保险费，"
     "无需申报，经大数据比对后直接返还到企业账户，请在平台“消息”中查看公示。\n\n"
     "招用高校毕业生、就业困难人员的，可申请社保补贴，按季度申报。"),
]  # fmt: skip


def seed_guides(*, author: User) -> int:
    """The guides that are missing, published; how many were created."""
    existing = set(Article.objects.filter(title__in=[g[1] for g in GUIDES]).values_list("title", flat=True))
    items = {item.code: item for item in ServiceItem.objects.filter(code__in=[g[0] for g in GUIDES])}
    created = 0
    for code, title, title_en, body in GUIDES:
        if title in existing:
            continue
        article = articles.article_create(
            actor=author, title=title, title_en=title_en, body=body, service_item=items.get(code)
        )
        articles.article_transition(actor=author, article_id=article.pk, action="publish")
        created += 1
    return created
