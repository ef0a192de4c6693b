"""Canned response seeds: empathetic, de-escalating replies for all teams (EN and VI)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 03:00:00

Data only. The same rows as portal/services/canned_seeds.py, written out as literal values so
this migration never changes when the code does. Downgrade deletes exactly these rows (matched
by team NULL, language and title).
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

SEEDED_AT = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)

# (language, title, body)
ROWS = [
    ('en', 'We are sorry for the trouble',
     'Dear {customer_name},\n\nThank you for telling us about this, and we are sorry for the trouble it has caused you. I understand how frustrating this must be.\n\nI have taken your complaint {reference} in hand and I am looking into it now. You will hear from us by {due} at the latest, sooner if we can.\n\nIf you would like to add anything, simply reply to this message.\n\nKind regards,\n{agent_name}'),
    ('en', 'Asking for more information',
     'Dear {customer_name},\n\nThank you for your patience, and I am sorry to take more of your time. To put this right quickly, I need a few more details:\n\n- (what we need, for example the date and the amount of the charge)\n\nPlease reply to this message with them. While we wait for your answer, the clock on your complaint {reference} is paused; we pick it up again as soon as you reply.\n\nKind regards,\n{agent_name}'),
    ('en', 'Passing you to a specialist without you repeating yourself',
     'Dear {customer_name},\n\nI am sorry this has not been solved yet. So that it is, I have passed your complaint {reference} to a specialist colleague, together with everything you have already told us: you will not need to explain it again.\n\nI stay on your case with them, and you will hear from us by {due}.\n\nKind regards,\n{agent_name}'),
    ('en', 'Resolved — please tell us if anything is left',
     'Dear {customer_name},\n\nThank you for your patience while we worked on your complaint {reference}, and again, we are sorry for the inconvenience.\n\n(What we did.) We believe the problem is now solved. If anything is still not right, please reply to this message and we will pick it up straight away; you will not have to start again.\n\nKind regards,\n{agent_name}'),
    ('en', 'Delay update',
     'Dear {customer_name},\n\nI am sorry that your complaint {reference} is taking longer than we hoped; I understand that waiting is frustrating.\n\nWhere we are: (the current step). We are still working on it, and you will have our next update by {due}.\n\nThank you for bearing with us.\n\nKind regards,\n{agent_name}'),
    ('en', 'The customer asks for a manager',
     'Dear {customer_name},\n\nI hear you, and I understand why you want someone more senior to look at this. I have shared your complaint {reference} with our team lead, who is following it with me.\n\nWe take this seriously, and you will have an answer by {due}. If there is anything more you want them to know, reply here and it reaches both of us.\n\nKind regards,\n{agent_name}'),
    ('vi', 'Chúng tôi rất tiếc về sự bất tiện',
     'Kính gửi anh/chị {customer_name},\n\nCảm ơn anh/chị đã phản ánh với chúng tôi. Chúng tôi rất tiếc về sự bất tiện anh/chị gặp phải và hiểu rằng việc này khiến anh/chị không hài lòng.\n\nTôi đã tiếp nhận khiếu nại {reference} và đang kiểm tra ngay. Anh/chị sẽ nhận được phản hồi của chúng tôi chậm nhất vào {due}, hoặc sớm hơn nếu có thể.\n\nNếu muốn bổ sung thông tin, anh/chị chỉ cần trả lời thư này.\n\nTrân trọng,\n{agent_name}'),
    ('vi', 'Đề nghị bổ sung thông tin',
     'Kính gửi anh/chị {customer_name},\n\nCảm ơn anh/chị đã kiên nhẫn, và xin lỗi vì làm mất thêm thời gian của anh/chị. Để giải quyết nhanh nhất, tôi cần thêm một vài thông tin:\n\n- (thông tin cần bổ sung, ví dụ ngày và số tiền bị trừ)\n\nAnh/chị vui lòng trả lời thư này kèm các thông tin trên. Trong thời gian chờ anh/chị phản hồi, thời hạn xử lý khiếu nại {reference} được tạm dừng và sẽ tiếp tục ngay khi chúng tôi nhận được trả lời.\n\nTrân trọng,\n{agent_name}'),
    ('vi', 'Chuyển đến chuyên viên, anh/chị không cần trình bày lại',
     'Kính gửi anh/chị {customer_name},\n\nTôi rất tiếc vì vấn đề của anh/chị vẫn chưa được giải quyết. Để xử lý dứt điểm, tôi đã chuyển khiếu nại {reference} đến chuyên viên phụ trách, kèm toàn bộ thông tin anh/chị đã cung cấp: anh/chị không cần trình bày lại từ đầu.\n\nTôi vẫn tiếp tục theo dõi cùng chuyên viên, và anh/chị sẽ nhận được phản hồi trước {due}.\n\nTrân trọng,\n{agent_name}'),
    ('vi', 'Đã giải quyết — mời anh/chị cho biết nếu còn vướng mắc',
     'Kính gửi anh/chị {customer_name},\n\nCảm ơn anh/chị đã kiên nhẫn trong thời gian chúng tôi xử lý khiếu nại {reference}, và một lần nữa xin lỗi anh/chị vì sự bất tiện này.\n\n(Những gì chúng tôi đã làm.) Chúng tôi tin rằng vấn đề đã được giải quyết. Nếu còn điều gì chưa ổn, anh/chị chỉ cần trả lời thư này, chúng tôi sẽ tiếp tục xử lý ngay mà anh/chị không phải bắt đầu lại.\n\nTrân trọng,\n{agent_name}'),
    ('vi', 'Cập nhật khi xử lý chậm',
     'Kính gửi anh/chị {customer_name},\n\nTôi rất tiếc vì khiếu nại {reference} của anh/chị cần nhiều thời gian hơn dự kiến; tôi hiểu việc phải chờ đợi thật không dễ chịu.\n\nTình hình hiện tại: (bước đang thực hiện). Chúng tôi vẫn đang tích cực xử lý và sẽ gửi anh/chị thông tin cập nhật tiếp theo trước {due}.\n\nCảm ơn anh/chị đã thông cảm.\n\nTrân trọng,\n{agent_name}'),
    ('vi', 'Khách hàng muốn gặp cấp quản lý',
     'Kính gửi anh/chị {customer_name},\n\nTôi hiểu và tôn trọng mong muốn của anh/chị được cấp quản lý xem xét vụ việc. Tôi đã chuyển khiếu nại {reference} đến trưởng nhóm, người sẽ cùng tôi theo dõi trực tiếp.\n\nChúng tôi coi trọng phản ánh của anh/chị và sẽ trả lời trước {due}. Nếu anh/chị muốn bổ sung điều gì, chỉ cần trả lời thư này, cả hai chúng tôi đều nhận được.\n\nTrân trọng,\n{agent_name}'),
]

canned = sa.table('canned_responses', sa.column('team_id', sa.Integer),
                  sa.column('title', sa.String), sa.column('body', sa.Text),
                  sa.column('language', sa.String), sa.column('active', sa.Boolean),
                  sa.column('updated_at', sa.DateTime(timezone=True)))


def upgrade():
    op.bulk_insert(canned, [
        {'team_id': None, 'title': title, 'body': body, 'language': language, 'active': True,
         'updated_at': SEEDED_AT}
        for language, title, body in ROWS
    ])


def downgrade():
    for language, title, _body in ROWS:
        op.execute(canned.delete().where(canned.c.team_id.is_(None))
                   .where(canned.c.language == language).where(canned.c.title == title))
