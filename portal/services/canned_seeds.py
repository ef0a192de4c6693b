"""The canned responses every installation starts with, for all teams, in English and Vietnamese.

Written after seed 004 (de-escalation): acknowledge the feeling, apologise for the
inconvenience, say what happens next and by when ({due}), give the reference, and sign with a
name, so that the customer deals with a person. Migration 0005 inserts the same rows with
literal values (tests/integration/test_canned_responses.py checks they agree).
"""

from __future__ import annotations

# (language, title, body)
DEFAULT_CANNED_RESPONSES: list[tuple[str, str, str]] = [
    ("en", "We are sorry for the trouble", """\
Dear {customer_name},

Thank you for telling us about this, and we are sorry for the trouble it has caused you. I \
understand how frustrating this must be.

I have taken your complaint {reference} in hand and I am looking into it now. You will hear \
from us by {due} at the latest, sooner if we can.

If you would like to add anything, simply reply to this message.

Kind regards,
{agent_name}"""),
    ("en", "Asking for more information", """\
Dear {customer_name},

Thank you for your patience, and I am sorry to take more of your time. To put this right \
quickly, I need a few more details:

- (what we need, for example the date and the amount of the charge)

Please reply to this message with them. While we wait for your answer, the clock on your \
complaint {reference} is paused; we pick it up again as soon as you reply.

Kind regards,
{agent_name}"""),
    ("en", "Passing you to a specialist without you repeating yourself", """\
Dear {customer_name},

I am sorry this has not been solved yet. So that it is, I have passed your complaint \
{reference} to a specialist colleague, together with everything you have already told us: \
you will not need to explain it again.

I stay on your case with them, and you will hear from us by {due}.

Kind regards,
{agent_name}"""),
    ("en", "Resolved — please tell us if anything is left", """\
Dear {customer_name},

Thank you for your patience while we worked on your complaint {reference}, and again, we are \
sorry for the inconvenience.

(What we did.) We believe the problem is now solved. If anything is still not right, please \
reply to this message and we will pick it up straight away; you will not have to start again.

Kind regards,
{agent_name}"""),
    ("en", "Delay update", """\
Dear {customer_name},

I am sorry that your complaint {reference} is taking longer than we hoped; I understand that \
waiting is frustrating.

Where we are: (the current step). We are still working on it, and you will have our next \
update by {due}.

Thank you for bearing with us.

Kind regards,
{agent_name}"""),
    ("en", "The customer asks for a manager", """\
Dear {customer_name},

I hear you, and I understand why you want someone more senior to look at this. I have shared \
your complaint {reference} with our team lead, who is following it with me.

We take this seriously, and you will have an answer by {due}. If there is anything more you \
want them to know, reply here and it reaches both of us.

Kind regards,
{agent_name}"""),
    ("vi", "Chúng tôi rất tiếc về sự bất tiện", """\
Kính gửi anh/chị {customer_name},

Cảm ơn anh/chị đã phản ánh với chúng tôi. Chúng tôi rất tiếc về sự bất tiện anh/chị gặp phải \
và hiểu rằng việc này khiến anh/chị không hài lòng.

Tôi đã tiếp nhận khiếu nại {reference} và đang kiểm tra ngay. Anh/chị sẽ nhận được phản hồi \
của chúng tôi chậm nhất vào {due}, hoặc sớm hơn nếu có thể.

Nếu muốn bổ sung thông tin, anh/chị chỉ cần trả lời thư này.

Trân trọng,
{agent_name}"""),
    ("vi", "Đề nghị bổ sung thông tin", """\
Kính gửi anh/chị {customer_name},

Cảm ơn anh/chị đã kiên nhẫn, và xin lỗi vì làm mất thêm thời gian của anh/chị. Để giải quyết \
nhanh nhất, tôi cần thêm một vài thông tin:

- (thông tin cần bổ sung, ví dụ ngày và số tiền bị trừ)

Anh/chị vui lòng trả lời thư này kèm các thông tin trên. Trong thời gian chờ anh/chị phản \
hồi, thời hạn xử lý khiếu nại {reference} được tạm dừng và sẽ tiếp tục ngay khi chúng tôi \
nhận được trả lời.

Trân trọng,
{agent_name}"""),
    ("vi", "Chuyển đến chuyên viên, anh/chị không cần trình bày lại", """\
Kính gửi anh/chị {customer_name},

Tôi rất tiếc vì vấn đề của anh/chị vẫn chưa được giải quyết. Để xử lý dứt điểm, tôi đã \
chuyển khiếu nại {reference} đến chuyên viên phụ trách, kèm toàn bộ thông tin anh/chị đã cung \
cấp: anh/chị không cần trình bày lại từ đầu.

Tôi vẫn tiếp tục theo dõi cùng chuyên viên, và anh/chị sẽ nhận được phản hồi trước {due}.

Trân trọng,
{agent_name}"""),
    ("vi", "Đã giải quyết — mời anh/chị cho biết nếu còn vướng mắc", """\
Kính gửi anh/chị {customer_name},

Cảm ơn anh/chị đã kiên nhẫn trong thời gian chúng tôi xử lý khiếu nại {reference}, và một \
lần nữa xin lỗi anh/chị vì sự bất tiện này.

(Những gì chúng tôi đã làm.) Chúng tôi tin rằng vấn đề đã được giải quyết. Nếu còn điều gì \
chưa ổn, anh/chị chỉ cần trả lời thư này, chúng tôi sẽ tiếp tục xử lý ngay mà anh/chị không \
phải bắt đầu lại.

Trân trọng,
{agent_name}"""),
    ("vi", "Cập nhật khi xử lý chậm", """\
Kính gửi anh/chị {customer_name},

Tôi rất tiếc vì khiếu nại {reference} của anh/chị cần nhiều thời gian hơn dự kiến; tôi hiểu \
việc phải chờ đợi thật không dễ chịu.

Tình hình hiện tại: (bước đang thực hiện). Chúng tôi vẫn đang tích cực xử lý và sẽ gửi \
anh/chị thông tin cập nhật tiếp theo trước {due}.

Cảm ơn anh/chị đã thông cảm.

Trân trọng,
{agent_name}"""),
    ("vi", "Khách hàng muốn gặp cấp quản lý", """\
Kính gửi anh/chị {customer_name},

Tôi hiểu và tôn trọng mong muốn của anh/chị được cấp quản lý xem xét vụ việc. Tôi đã chuyển \
khiếu nại {reference} đến trưởng nhóm, người sẽ cùng tôi theo dõi trực tiếp.

Chúng tôi coi trọng phản ánh của anh/chị và sẽ trả lời trước {due}. Nếu anh/chị muốn bổ sung \
điều gì, chỉ cần trả lời thư này, cả hai chúng tôi đều nhận được.

Trân trọng,
{agent_name}"""),
]
