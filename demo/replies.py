"""The demo's canned replies (回复模板): the service centre's shared answers, a power
department's and two of officer1's own, written as a park's service desk writes them (through
replies' services, so each placeholder is checked). Idempotent: a title the department or
the officer has already is kept."""

from __future__ import annotations

from replies import services
from replies.models import CannedReply
from servicedesk.models import Department, User

# (department code or None for officer1's own, title, text)
REPLIES: list[tuple[str | None, str, str]] = [
    ("service", "已受理，首席服务员跟进",
     "{enterprise}您好！您反映的问题（工单{ticket}）已受理，由首席服务员{officer}全程跟进，"
     "承诺于{due}前办结。办理中如需补充材料，我们会第一时间联系您。"),
    ("service", "请补充材料",
     "{enterprise}您好！工单{ticket}办理还需补充以下材料：\n1. \n2. \n"
     "请在平台上传，或交给首席服务员{officer}代为递交。材料齐全后我们即转相关部门办理。"),
    ("service", "已协调相关部门",
     "{enterprise}您好！工单{ticket}涉及多个部门，已由{officer}牵头协调办理，"
     "各部门将于{due}前给出答复，办理进展会在平台同步，请留意消息中心。"),
    ("service", "政策咨询答复",
     "{enterprise}您好！关于您咨询的惠企政策，申报条件、材料清单和办理流程请见平台“办事指南”。"
     "符合条件的，首席服务员{officer}可以全程代办申报，企业零跑腿。"),
    ("service", "办结回访",
     "{enterprise}您好！工单{ticket}已办结。请您在平台对本次服务进行评价，"
     "您的意见是我们改进工作的依据。如问题仍未解决，可直接回复或联系{officer}。"),
    ("power", "停电抢修已派单",
     "{enterprise}您好！抢修班组已出发，预计45分钟内到达现场。工单{ticket}由{officer}跟进，"
     "恢复供电后将第一时间告知。"),
    (None, "现场勘察预约",
     "{enterprise}您好！我是您的首席服务员{officer}，想与贵公司预约现场勘察时间，"
     "请回复方便的日期和联系人。工单编号：{ticket}。"),
    (None, "节假日值班说明",
     "{enterprise}您好！节假日期间服务不打烊，紧急事项请直接回复工单{ticket}或致电值班电话，"
     "非紧急事项将于节后第一个工作日办理，承诺办结时间{due}不变。"),
]  # fmt: skip


def seed_replies(*, departments: dict[str, Department], officer: User, heads: dict[str, User]) -> int:
    """The canned replies that are missing; how many were created. A department's are written
    by its first member in `heads` (or `officer` for the service centre)."""
    created = 0
    for code, title, body in REPLIES:
        department = departments.get(code) if code else None
        author = heads.get(code, officer) if code else officer
        if code and department is None:
            continue
        exists = CannedReply.objects.filter(title=title)
        exists = exists.filter(department=department) if department else exists.filter(owner=officer)
        if exists.exists():
            continue
        services.reply_create(actor=author, title=title, body=body, department=department)
        created += 1
    return created
