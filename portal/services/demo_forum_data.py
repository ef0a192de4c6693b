"""The demo forum's threads (portal.services.demo_forum plays them): customers asking one another
and agents answering, in Vietnamese (with and without accents) and English, over past weeks."""

from __future__ import annotations

from dataclasses import dataclass, field

HA, KHOI, BAO = "ha.pham@example.com", "khoi.vo@example.com", "bao.dang@example.com"
JOHN, EMILY = "john.carter@example.com", "emily.nguyen@example.com"
AN, ESZTER, MINH = "agent1@example.com", "agent2@example.com", "agent3@example.com"


@dataclass(frozen=True)
class Post:
    by: str
    hours: float  # after the thread was started
    body: str
    votes: tuple[str, ...] = ()
    accepted_by: str = ""  # who marks it as the answer (the thread's author or an agent)
    report: tuple[str, str, str] | None = None  # reporter, reason, note
    hidden_by: str = ""  # a moderator who hides it (resolving the report when there is one)


@dataclass(frozen=True)
class Thread:
    title: str
    by: str
    days_ago: float
    body: str
    category: str = "questions"
    votes: tuple[str, ...] = ()  # "me too" on the opening post
    replies: tuple[Post, ...] = ()
    pinned_by: str = ""
    locked_by: str = ""
    hidden_by: str = ""
    private_by: str = ""
    converted_by: str = ""  # an agent converts the opening post into a ticket
    convert: dict = field(default_factory=dict)  # complaint category slug, team, priority


THREADS: tuple[Thread, ...] = (
    Thread("Làm sao để đổi mã PIN thẻ ghi nợ?", HA, 27,
           "Mình muốn đổi mã PIN thẻ ghi nợ nhưng không tìm thấy chỗ đổi trong ứng dụng. "
           "Có cần ra quầy giao dịch không ạ?",
           replies=(
               Post(KHOI, 3, "Mình đổi ngay trong ứng dụng được, ở mục Thẻ nhé."),
               Post(AN, 5, "Chào chị Hà, chị vào **Thẻ** → chọn thẻ → **Đổi mã PIN**, nhập mã "
                    "mới hai lần và xác nhận bằng OTP. Không cần ra quầy ạ.",
                    votes=(HA, KHOI, BAO), accepted_by=HA),
           )),
    Thread("Phí rút tiền ATM khác ngân hàng là bao nhiêu?", BAO, 26,
           "Tôi hay rút tiền ở ATM của ngân hàng khác gần nhà. Mỗi lần bị trừ bao nhiêu phí?",
           replies=(
               Post(MINH, 6, "Chào anh Bảo, phí rút tiền tại ATM ngân hàng khác là 3.300đ một "
                    "lần (đã gồm VAT). Rút tại ATM của chúng tôi thì miễn phí.",
                    votes=(KHOI,), accepted_by=BAO),
               Post(KHOI, 9, "Mình thấy dùng QR rút tiền ở ATM của ngân hàng thì tiện hơn."),
           )),
    Thread("Transfer to another bank stuck in processing for two days", JOHN, 25,
           "I sent money to my landlord at another bank on Friday evening. The app still "
           "says *processing*. Is this normal?",
           votes=(EMILY, BAO),
           replies=(
               Post(EMILY, 2, "Same happened to me last month, it arrived after three working "
                    "days."),
               Post(ESZTER, 4, "Hi John, interbank transfers sent after 15:30 on a Friday are "
                    "processed on the next working day. If it is still pending after three "
                    "working days, tell us here and we will trace it.",
                    votes=(EMILY,), accepted_by=JOHN),
           )),
    Thread("Old app version 3.x no longer works", JOHN, 24,
           "My tablet can only install version 3.9 of the app and it stopped signing in "
           "this week. Will it be fixed?",
           replies=(
               Post(ESZTER, 5, "Hi John, version 3.x is no longer supported since 1 November "
                    "for security reasons. Please use the website on that tablet, it has "
                    "every feature of the app.", accepted_by=JOHN),
           ),
           locked_by=ESZTER),
    Thread("Lost my card - how do I block it quickly?", JOHN, 23,
           "I think I left my card in a taxi. What is the fastest way to block it?",
           replies=(
               Post(ESZTER, 1, "Open the app, choose **Cards → Lock card**: it takes effect "
                    "at once. You can unlock it if you find the card, or order a new one.",
                    votes=(EMILY, HA), accepted_by=JOHN),
               Post(JOHN, 2, "Done, thanks! Found it in my jacket an hour later."),
           )),
    Thread("Khong nhan duoc ma OTP khi chuyen tien", KHOI, 22,
           "Moi lan chuyen tien toi deu khong nhan duoc ma OTP qua tin nhan. Dien thoai van "
           "nhan tin nhan binh thuong.",
           votes=(HA, BAO),
           replies=(
               Post(BAO, 2, "Minh cung bi, khoi dong lai dien thoai thi nhan duoc."),
               Post(MINH, 4, "Chào anh Khôi, anh kiểm tra giúp số điện thoại đăng ký còn đúng "
                    "không và tin nhắn từ tổng đài có bị chặn không. Anh cũng có thể chuyển "
                    "sang **Smart OTP** trong ứng dụng để không phụ thuộc tin nhắn.",
                    votes=(BAO,), accepted_by=KHOI),
           )),
    Thread("Why was I charged a foreign transaction fee on an online purchase?", EMILY, 21,
           "I bought shoes from a website in dong, but my statement shows a 3% foreign "
           "transaction fee. Why?",
           replies=(
               Post(JOHN, 3, "The shop is probably registered abroad even if it shows dong."),
               Post(ESZTER, 6, "Hi Emily, John is right: the fee depends on where the merchant "
                    "is registered, not the currency. If you think it is wrong, file a "
                    "complaint with the transaction date and we will check it.",
                    accepted_by=EMILY),
           )),
    Thread("Quen mat khau dang nhap ung dung", KHOI, 20,
           "Toi quen mat khau dang nhap ung dung, lam sao de lay lai?",
           replies=(
               Post(MINH, 2, "Anh chọn **Quên mật khẩu** ở màn hình đăng nhập, nhập số CCCD "
                    "và mã OTP gửi về điện thoại, sau đó đặt mật khẩu mới.",
                    accepted_by=KHOI),
           )),
    Thread("Quy trình khiếu nại giao dịch thẻ bị trừ tiền hai lần", BAO, 19,
           "Tôi thanh toán ở siêu thị một lần nhưng tài khoản bị trừ tiền hai lần. Khiếu nại "
           "thế nào và mất bao lâu?",
           replies=(
               Post(AN, 3, "Chào anh Bảo, anh gửi khiếu nại ở mục **Gửi khiếu nại**, chọn "
                    "loại Phí và thanh toán. Chúng tôi phản hồi trong 24 giờ và giải quyết "
                    "trong 20 ngày làm việc; khoản bị trừ trùng thường được hoàn sau 5-7 ngày.",
                    votes=(HA,), accepted_by=AN),
               Post(HA, 8, "Cảm ơn, mình cũng vừa bị như vậy."),
           )),
    Thread("Can't log in to the app after changing my phone", JOHN, 18,
           "New phone, same number, but the app says this device is not registered.",
           replies=(
               Post(EMILY, 1, "You need to activate the app again on the new phone."),
               Post(ESZTER, 3, "Hi John, choose **Activate on this device** on the sign-in "
                    "screen and confirm with the OTP we text you. The old phone is signed out "
                    "automatically.", accepted_by=JOHN),
           )),
    Thread("Idea: dark mode for the mobile app", EMILY, 17,
           "The app is very bright at night. A dark mode would be lovely.",
           category="ideas", votes=(JOHN, HA, KHOI, BAO),
           replies=(
               Post(JOHN, 4, "+1, please!"),
               Post(ESZTER, 30, "Thanks Emily, we have passed this to the app team."),
           )),
    Thread("Đề xuất: cho phép đặt hạn mức chi tiêu theo tháng cho thẻ", HA, 16,
           "Mình muốn tự đặt hạn mức chi tiêu mỗi tháng cho thẻ để quản lý tiền tốt hơn.",
           category="ideas", votes=(KHOI, BAO),
           replies=(Post(AN, 20, "Cảm ơn chị Hà, ý tưởng đã được chuyển cho nhóm sản phẩm."),)),
    Thread("Let us export statements as CSV", JOHN, 15,
           "PDF statements are hard to use in a spreadsheet. Could you add a CSV export?",
           category="ideas", votes=(EMILY, BAO),
           replies=(Post(ESZTER, 26, "Good idea John, it is on the list for next year."),)),
    Thread("Phi duy tri tai khoan bao nhieu mot thang?", HA, 14,
           "Cho minh hoi phi duy tri tai khoan thanh toan la bao nhieu mot thang?",
           replies=(
               Post(AN, 2, "Chào chị, phí duy trì tài khoản là 11.000đ/tháng, miễn phí nếu số "
                    "dư bình quân trong tháng từ 2 triệu đồng.", accepted_by=HA),
           )),
    Thread("How do I set up a standing order for my rent?", EMILY, 13,
           "I pay the same rent every month. Can the app send it automatically?",
           replies=(
               Post(JOHN, 2, "Yes: **Transfers → Scheduled → New**, pick monthly and the day. "
                    "I use it for my rent too.", votes=(EMILY,), accepted_by=EMILY),
           )),
    Thread("Thông báo: miễn phí chuyển khoản liên ngân hàng từ tháng 12", AN, 12,
           "Từ ngày 1/12, mọi giao dịch chuyển khoản liên ngân hàng trên ứng dụng được miễn "
           "phí. Hạn mức và thời gian xử lý không thay đổi.",
           category="announcements",
           replies=(Post(HA, 5, "Tuyệt vời, cảm ơn ngân hàng!"),)),
    Thread("Chuyển nhầm tiền vào tài khoản người khác, phải làm sao?", BAO, 11,
           "Tôi chuyển nhầm 2 triệu vào một số tài khoản sai một chữ số. Có lấy lại được không?",
           replies=(
               Post(AN, 2, "Chào anh, anh gửi yêu cầu tra soát trong mục **Gửi khiếu nại**, ghi "
                    "rõ mã giao dịch. Chúng tôi sẽ liên hệ ngân hàng nhận để đề nghị hoàn trả.",
                    accepted_by=BAO),
               Post(KHOI, 6, "Mình từng bị, khoảng một tuần thì lấy lại được."),
           )),
    Thread("Contactless payment declined but chip and PIN works", JOHN, 10,
           "Tapping my card fails at the supermarket, inserting it works. Why?",
           replies=(
               Post(EMILY, 3, "Contactless asks for your PIN after five taps in a row."),
               Post(ESZTER, 5, "Hi John, Emily is right, and contactless must also be turned "
                    "on under **Cards → Settings**."),
           )),
    Thread("Thẻ tín dụng bị khóa sau khi nhập sai mã PIN ở nước ngoài", KHOI, 9,
           "Tôi đang đi công tác ở Singapore, nhập sai PIN ba lần và thẻ tín dụng bị khóa. "
           "Tổng đài bận liên tục, tôi cần dùng thẻ gấp.",
           replies=(Post(BAO, 1, "Bạn thử gọi số quốc tế của tổng đài xem."),),
           converted_by=AN,
           convert={"category": "account", "team": "Technical", "priority": "high"}),
    Thread("Refund of my card annual fee - my account details inside", EMILY, 8,
           "My annual fee was charged although the offer said the first year is free. My "
           "account number is 0123 4567 89, please check.",
           replies=(
               Post(ESZTER, 2, "Hi Emily, I have made this thread private because it holds your "
                    "account number. We will refund the fee within 5 working days."),
           ),
           private_by=ESZTER),
    Thread("Nen co thong bao khi co tien vao tai khoan", KHOI, 7,
           "De nghi ung dung bao ngay khi co tien vao tai khoan, khong chi khi tien ra.",
           category="ideas", votes=(HA,),
           replies=(
               Post(MINH, 5, "Tính năng này đã có: **Cài đặt → Thông báo biến động số dư**, bật "
                    "cả tiền vào và tiền ra.", accepted_by=KHOI),
           )),
    Thread("Bán tài khoản ngân hàng giá rẻ, liên hệ Zalo", BAO, 6,
           "Ai cần mua tài khoản đã xác thực thì liên hệ Zalo của tôi, giá rẻ.",
           hidden_by=MINH),
    Thread("How long does a complaint take to be resolved?", JOHN, 6,
           "I filed a complaint about a failed top-up. When will I hear back?",
           replies=(
               Post(ESZTER, 3, "We answer every complaint within 24 hours and resolve it within "
                    "20 working days; you can follow it in **My complaints**.",
                    accepted_by=ESZTER),
           )),
    Thread("Scheduled maintenance of the app on Sunday night", ESZTER, 5,
           "The app and internet banking will be unavailable on Sunday from 01:00 to 03:00 "
           "while we upgrade our systems. Card payments and ATMs keep working.",
           category="announcements", pinned_by=ESZTER,
           replies=(Post(JOHN, 10, "Thanks for the heads-up."),)),
    Thread("App keeps asking me to update but the store shows no update", EMILY, 5,
           "Every time I open the app it says a new version is required, but the store has "
           "nothing new.",
           replies=(
               Post(JOHN, 2, "Same here. My card number is 4111 1111 1111 1111 if that helps.",
                    report=(EMILY, "private_data", "A full card number."), hidden_by=ESZTER),
               Post(ESZTER, 4, "Hi Emily, the new version reaches the stores in stages. Please "
                    "try again tomorrow; we have made the message wait until then."),
           )),
    Thread("Mở thẻ ghi nợ quốc tế cần giấy tờ gì?", HA, 4,
           "Mình muốn mở thẻ ghi nợ quốc tế để mua hàng online. Cần mang theo giấy tờ gì?",
           replies=(
               Post(AN, 3, "Chào chị, chị chỉ cần CCCD gắn chip. Chị cũng có thể mở thẻ ngay "
                    "trong ứng dụng, thẻ vật lý được gửi về sau 5 ngày.", accepted_by=HA),
           )),
    Thread("Đã 3 tuần chưa được hoàn tiền, tôi sẽ báo công an", KHOI, 3,
           "Đã 3 tuần chưa được hoàn tiền giao dịch lỗi. Nếu tuần này không xử lý, tôi sẽ báo "
           "công an và đăng lên mạng cho mọi người biết.",
           replies=(Post(HA, 4, "Bạn thử gửi khiếu nại chính thức trong mục Khiếu nại xem."),)),
    Thread("Please add a language switch on the sign-in screen", EMILY, 3,
           "My parents use the app in Vietnamese and I use English. A switch before signing in "
           "would help.",
           category="ideas", votes=(HA,),
           replies=(Post(AN, 20, "Cảm ơn chị Emily, we will look at it."),)),
    Thread("Does the virtual card work with Apple Pay?", JOHN, 2,
           "I opened a virtual card yesterday. Can I add it to Apple Pay?"),
    Thread("Beware: someone called me pretending to be from the bank", EMILY, 1.5,
           "A caller asked for my OTP and said my account would be closed. I hung up.",
           replies=(
               Post(BAO, 2, "Call this number 0909 123 456 to check if it was really the "
                    "bank.", report=(JOHN, "other", "This number is not the bank's.")),
           )),
    Thread("Không xem được sao kê tháng 10 trên ứng dụng", HA, 0.3,
           "Mình bấm vào sao kê tháng 10 thì ứng dụng báo lỗi. Các tháng khác vẫn xem được."),
)
