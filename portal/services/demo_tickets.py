"""Demo complaints in every status, made through the ticket services as if over past days.

Each ticket is filed with `file_complaint` and then lives its steps (routing, replies, notes,
status changes) through the same services the pages use, each at its own moment, so the
timelines and e-mails look real. A ticket is marked by its submission key ("demo-…"): seeding
again skips the ones that exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.domain.sla import BusinessCalendar, add_business_time, subtract_business_time
from portal.domain.tickets import Priority, Status, Visibility
from portal.extensions import db
from portal.models import ComplaintCategory, Team, Ticket, User
from portal.services import sla_settings
from portal.services import tickets as ticket_service


@dataclass(frozen=True)
class Assign:
    hours: float
    team: str | None
    assignee: str | None = None
    by: str = "supervisor@example.com"


@dataclass(frozen=True)
class Reply:
    hours: float
    by: str
    body: str
    internal: bool = False
    then: Status | None = None


@dataclass(frozen=True)
class CustomerReply:
    hours: float
    body: str


@dataclass(frozen=True)
class Move:
    hours: float
    by: str
    to: Status
    note: str = ""


@dataclass(frozen=True)
class SetPriority:
    hours: float
    by: str
    priority: Priority


@dataclass(frozen=True)
class DemoTicket:
    key: str
    hours_ago: float               # when it was filed
    category: str                  # category slug
    locale: str
    subject: str
    description: str
    customer: str | None = None    # a demo customer's e-mail; None for a guest
    guest: tuple[str, str] = ("", "")  # a guest's name and e-mail
    phone: str = ""
    account_number: str = ""
    urgent: bool = False
    steps: list = field(default_factory=list)  # hours after filing, in order
    # Hours counted on the business calendar (working time only), so that the ticket's SLA
    # state is the same whatever day the demo is loaded on.
    business: bool = False


AN, ESZTER, MINH, MAI = ("agent1@example.com", "agent2@example.com", "agent3@example.com",
                         "supervisor@example.com")

DEMO_TICKETS = [
    DemoTicket(
        "demo-annual-fee-twice", 3, "billing-fees", "vi",
        "Bị trừ phí thường niên hai lần trong tháng này",
        "Chào anh/chị,\n\nTài khoản của tôi bị trừ **phí thường niên 300.000 đ hai lần**, vào "
        "ngày 2 và ngày 3. Tôi chỉ có một thẻ. Nhờ kiểm tra và hoàn lại khoản trừ thừa giúp tôi."
        "\n\nCảm ơn.", customer="ha.pham@example.com", phone="0903 123 456",
        account_number="00123456789", urgent=True),
    DemoTicket(
        "demo-hotline-no-callback", 20, "service-quality", "vi",
        "Tổng đài hẹn gọi lại nhưng không ai gọi",
        "Hôm thứ Hai tôi gọi tổng đài về việc đổi gói cước. Nhân viên hẹn gọi lại trong ngày "
        "nhưng đến nay vẫn chưa có ai liên lạc.", guest=("Trần Văn Nam", "nam.tran@example.net"),
        phone="0912 345 678"),
    DemoTicket(
        "demo-parcel-not-arrived", 50, "delivery", "en",
        "Parcel marked as delivered but never arrived",
        "My order **#58213** shows *Delivered* since Tuesday 14:05, but nothing reached my door "
        "and my neighbours have not seen it either. Could you find out where it went?",
        customer="john.carter@example.com", account_number="44820017",
        steps=[
            Assign(1, "Delivery", AN),
            Reply(1.5, AN, "Carrier GPS puts the delivery scan 3 km from the address. Claim "
                  "CLM-20931 opened with the carrier.", internal=True),
            Reply(2, AN, "Hello John,\n\nI am sorry your parcel has not arrived. I have opened "
                  "an investigation with the carrier and will update you within 2 working days "
                  "at the latest."),
            SetPriority(2.2, AN, Priority.HIGH),
        ]),
    DemoTicket(
        "demo-login-new-phone", 74, "account", "vi",
        "Không đăng nhập được sau khi đổi số điện thoại",
        "Tôi vừa đổi số điện thoại và từ đó không nhận được mã OTP để đăng nhập ứng dụng.",
        customer="khoi.vo@example.com", account_number="77100234",
        steps=[
            Assign(2, "Technical", MINH),
            Reply(3, MINH, "Chào anh Khôi,\n\nĐể cập nhật số điện thoại nhận OTP, anh vui lòng "
                  "cho biết **4 số cuối của số cũ** và ngày sinh đăng ký trên tài khoản.",
                  then=Status.PENDING_CUSTOMER),
        ]),
    DemoTicket(
        "demo-water-filter-leak", 120, "product", "vi",
        "Máy lọc nước rò rỉ sau hai tuần sử dụng",
        "Máy lọc nước mua ngày 1 bị rò nước ở đáy sau hai tuần. Tôi đã tắt nguồn và khoá van.",
        customer="bao.dang@example.com",
        steps=[
            Assign(4, "Technical", MINH),
            Reply(5, MINH, "Chào anh Bảo,\n\nAnh có thể gửi giúp em ảnh chụp phần đáy máy và "
                  "số sê-ri (dán ở mặt sau) không ạ?", then=Status.PENDING_CUSTOMER),
            CustomerReply(26, "Em gửi thông tin: số sê-ri WF-2209-1187. Nước rỉ ra từ chỗ nối "
                          "ống phía dưới lõi số 3."),
            Reply(28, MINH, "Lỗi gioăng của lô tháng 9 — đã có 3 trường hợp tương tự. Đề xuất "
                  "đổi máy mới thay vì sửa.", internal=True),
        ]),
    DemoTicket(
        "demo-refund-not-received", 150, "billing-fees", "en",
        "Refund for a cancelled order not received",
        "I cancelled order #57740 two weeks ago and was told the refund of 45.00 USD would "
        "arrive within 5 working days. Nothing has arrived yet.",
        customer="emily.nguyen@example.com", account_number="90051234",
        steps=[
            Assign(3, "Billing", AN),
            Reply(3.5, AN, "Hello Emily,\n\nThe refund was sent on the 3rd to your card ending "
                  "4242. Banks can take up to 5 working days to show it. Could you check your "
                  "statement again and tell us?", then=Status.PENDING_CUSTOMER),
            CustomerReply(50, "Still nothing on my statement, I am afraid."),
            Reply(52, AN, "Bank confirms ARN 74231…9920; refund posted on their side.",
                  internal=True),
            Move(54, AN, Status.RESOLVED, "The refund of 45.00 USD was traced with the bank "
                 "(reference ARN 74231…9920). It is on its way to the card ending 4242; the bank "
                 "confirmed it will show within 2 days."),
        ]),
    DemoTicket(
        "demo-rude-hotline", 600, "service-quality", "en",
        "Rude answer on the support hotline",
        "I called about a wrong charge and the agent hung up on me after telling me it was my "
        "problem.", guest=("Linh Tran", "linh.tran@example.net"),
        steps=[
            Assign(2, "Technical", MAI),
            Reply(3, MAI, "Dear Linh,\n\nThank you for telling us, and I am sorry for how that "
                  "call went. I am listening to the recording today and will come back to you "
                  "tomorrow."),
            Move(26, MAI, Status.RESOLVED, "Call reviewed; the agent has been coached. We "
                 "apologised and waived one month of fees."),
            Move(26 + 24 * 15, MAI, Status.CLOSED, "Agents had no script for callers who had "
                 "already called twice. The call guide now has an escalation step, and calls are "
                 "reviewed weekly."),
        ]),
    DemoTicket(
        "demo-late-delivery", 290, "delivery", "vi",
        "Giao hàng trễ 5 ngày so với cam kết",
        "Đơn hàng #55102 cam kết giao trong 2 ngày nhưng 7 ngày sau mới đến.",
        customer="ha.pham@example.com", account_number="00123456789",
        steps=[
            Assign(1, "Delivery", AN),
            Reply(2, AN, "Chào chị Hà,\n\nEm xin lỗi vì đơn hàng đến trễ. Kho Bình Dương bị quá "
                  "tải trong tuần lễ hội. Em đã hoàn phí vận chuyển vào tài khoản của chị."),
            Move(3, AN, Status.RESOLVED, "Đã hoàn phí vận chuyển 30.000 đ."),
            CustomerReply(20, "Cảm ơn em, chị đã nhận được tiền hoàn."),
            Move(22, AN, Status.RESOLVED, "Khách xác nhận đã nhận tiền hoàn phí vận chuyển."),
            Move(24 * 3, AN, Status.CLOSED, "Kho thiếu người trong tuần lễ hội. Cần báo trước "
                 "cho khách khi dự kiến trễ quá 2 ngày và tăng ca vào các tuần cao điểm."),
        ]),
]


# One ticket in each SLA state, whatever the day: on track, breaching soon, first response
# breached, resolution breached, paused pending the customer, resolved in time.
SLA_DEMO_TICKETS = [
    DemoTicket(
        "demo-sla-on-track", 1, "account", "en", "Two-factor codes arrive late",
        "The sign-in codes reach my phone five minutes after I ask for them, so they have "
        "expired by then.", customer="john.carter@example.com", business=True),
    DemoTicket(
        "demo-sla-breaching-soon", 1.5, "billing-fees", "vi",
        "Thẻ bị khoá sau khi thanh toán ở nước ngoài",
        "Thẻ của tôi bị khoá ngay sau một giao dịch ở Singapore. Tôi đang ở nước ngoài và không "
        "còn cách thanh toán nào khác.", customer="bao.dang@example.com", urgent=True,
        business=True),
    DemoTicket(
        "demo-sla-first-response-breached", 5, "delivery", "en",
        "Wrong item delivered, need the right one before Friday",
        "I ordered a 55-inch TV and received a 43-inch one. I need the right one before my "
        "event on Friday.", customer="emily.nguyen@example.com", urgent=True, business=True),
    DemoTicket(
        "demo-sla-resolution-breached", 30, "product", "vi",
        "Điều hoà mới lắp không lạnh",
        "Điều hoà lắp hôm thứ Hai chạy nhưng không lạnh, phòng vẫn 31 độ.",
        guest=("Hoàng Thị Lan", "lan.hoang@example.net"), phone="0987 654 321", urgent=True,
        business=True, steps=[
            Assign(0.5, "Technical", ESZTER),
            Reply(1, ESZTER, "Chào chị Lan,\n\nEm rất tiếc về sự bất tiện này. Kỹ thuật viên sẽ "
                  "liên hệ chị để hẹn lịch kiểm tra gas và dàn nóng."),
        ]),
    DemoTicket(
        "demo-sla-paused", 4, "service-quality", "en",
        "Store staff refused to accept a return",
        "The store on Lê Lợi refused my return within the 30 days although I had the receipt.",
        customer="john.carter@example.com", business=True, steps=[
            Assign(0.5, "Technical", ESZTER),
            Reply(1, ESZTER, "Hello John,\n\nI am sorry about your visit. Could you send us a "
                  "photo of the receipt and tell us the time you were in the store?",
                  then=Status.PENDING_CUSTOMER),
        ]),
    DemoTicket(
        "demo-sla-met", 12, "billing-fees", "en",
        "Late fee charged although I paid on time",
        "I paid my bill on the 14th, the due date, and was still charged a late fee.",
        customer="emily.nguyen@example.com", business=True, steps=[
            Assign(0.5, "Billing", AN),
            Reply(1, AN, "Hello Emily,\n\nYou are right: the payment arrived on the due date. "
                  "I have asked for the fee to be refunded."),
            Move(3, AN, Status.RESOLVED, "The late fee was refunded; the payment had been "
                 "booked a day late by the bank."),
        ]),
    # Risk signs (domain/risk.py): flagged on filing and escalated at once by the matrix.
    DemoTicket(
        "demo-risk-threat", 2, "account", "vi",
        "Tài khoản bị trừ tiền hai lần, tôi muốn gặp quản lý",
        "Tôi đã gọi ba lần mà không ai giải quyết. Nếu ngày mai chưa hoàn tiền tôi sẽ báo công "
        "an và đăng lên mạng cho mọi người biết.", customer="bao.dang@example.com",
        business=True),
    DemoTicket(
        "demo-risk-public", 3, "delivery", "en",
        "Parcel lost for two weeks, I want a supervisor",
        "Nobody answers my e-mails. I want to speak to a supervisor today, or I will post "
        "the whole story on Facebook.", customer="john.carter@example.com", business=True),
]


def _moments(demo: DemoTicket, now: datetime, calendar: BusinessCalendar) -> list[datetime]:
    """When the ticket was filed, then when each of its steps happened."""
    if not demo.business:
        filed_at = now - timedelta(hours=demo.hours_ago)
        return [filed_at, *(filed_at + timedelta(hours=step.hours) for step in demo.steps)]
    filed_at = subtract_business_time(calendar, now, timedelta(hours=demo.hours_ago))
    return [filed_at, *(add_business_time(calendar, filed_at, timedelta(hours=step.hours))
                        for step in demo.steps)]


def _file(demo: DemoTicket, people: dict[str, User], at: datetime) -> Ticket | None:
    customer = people.get(demo.customer) if demo.customer else None
    if demo.customer and customer is None:
        return None
    name, email = (customer.name, customer.email) if customer else demo.guest
    category = db.session.scalar(select(ComplaintCategory).where(
        ComplaintCategory.slug == demo.category))
    draft = ticket_service.ComplaintDraft(
        subject=demo.subject, description=demo.description, contact_name=name,
        contact_email=email, category_id=category.id if category and category.active else None,
        contact_phone=demo.phone, account_number=demo.account_number, urgent=demo.urgent,
        submission_key=demo.key, locale=demo.locale)
    return ticket_service.file_complaint(draft, actor=customer, now=at).ticket


def _apply(step, ticket: Ticket, people: dict[str, User], teams: dict[str, Team],
           at: datetime) -> None:
    staff = ticket_service.as_staff(people[step.by]) if hasattr(step, "by") else None
    if isinstance(step, Assign):
        assignee = people.get(step.assignee) if step.assignee else None
        ticket_service.assign(ticket, staff, now=at,
                              team_id=teams[step.team].id if step.team else None,
                              assignee_id=assignee.id if assignee else None)
    elif isinstance(step, Reply):
        ticket_service.staff_reply(
            ticket, staff, step.body, now=at, then_status=step.then,
            visibility=Visibility.INTERNAL if step.internal else Visibility.PUBLIC)
    elif isinstance(step, CustomerReply):
        ticket_service.customer_reply(ticket, ticket_service.as_customer(ticket, ticket.customer),
                                      step.body, now=at)
    elif isinstance(step, Move):
        ticket_service.change_status(ticket, step.to, staff, now=at, note=step.note)
    elif isinstance(step, SetPriority):
        ticket_service.change_priority(ticket, step.priority, staff, now=at)


def seed_demo_tickets(now: datetime) -> int:
    """File the demo tickets that do not exist yet and play their steps; return how many."""
    keys = [demo.key for demo in DEMO_TICKETS + SLA_DEMO_TICKETS]
    existing = set(db.session.scalars(select(Ticket.submission_key).where(
        Ticket.submission_key.in_(keys))))
    people = {user.email: user for user in db.session.scalars(select(User))}
    teams = {team.name: team for team in db.session.scalars(select(Team))}
    calendar = sla_settings.load_calendar()
    added = 0
    for demo in DEMO_TICKETS + SLA_DEMO_TICKETS:
        if demo.key in existing:
            continue
        filed_at, *step_times = _moments(demo, now, calendar)
        ticket = _file(demo, people, filed_at)
        if ticket is None:
            continue
        for step, at in zip(demo.steps, step_times, strict=True):
            _apply(step, ticket, people, teams, at)
        added += 1
    return added
