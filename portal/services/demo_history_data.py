"""The words of the demo history (services/demo_history.py): complaints per category in English
and Vietnamese, agents' replies, customers' answers, survey comments and help-centre searches.
Demo content, like the demo articles: not translated through the catalogues."""

from __future__ import annotations

# category slug -> [(subject, description)] per language
COMPLAINTS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "billing-fees": {
        "en": [
            ("Charged twice for the same order", "My card was charged twice for one order on "
             "the same day. Please refund the second charge."),
            ("Late fee although I paid on time", "I paid on the due date and still got a late "
             "fee on this month's bill."),
            ("Invoice shows the wrong amount", "The invoice for last month is 120,000 đ higher "
             "than the plan I signed up for."),
            ("Refund for a cancelled order not received", "I cancelled my order ten days ago "
             "and the refund has not reached my card."),
            ("Annual fee charged after I closed the card", "I closed my card last month but the "
             "annual fee was still taken from my account."),
        ],
        "vi": [
            ("Bị trừ tiền hai lần cho một đơn hàng", "Thẻ của tôi bị trừ tiền hai lần cho cùng "
             "một đơn hàng. Nhờ hoàn lại khoản trừ thừa."),
            ("Phí trễ hạn dù đã thanh toán đúng hạn", "Tôi đã thanh toán đúng ngày đến hạn "
             "nhưng vẫn bị tính phí trễ hạn."),
            ("Hóa đơn tháng này sai số tiền", "Hóa đơn tháng này cao hơn gói cước tôi đăng ký "
             "120.000 đ."),
            ("Chưa nhận được tiền hoàn sau khi hủy đơn", "Tôi đã hủy đơn hàng mười ngày trước "
             "nhưng vẫn chưa nhận được tiền hoàn."),
            ("Bị thu phí thường niên sau khi đã đóng thẻ", "Tôi đã đóng thẻ từ tháng trước "
             "nhưng vẫn bị trừ phí thường niên."),
        ],
    },
    "delivery": {
        "en": [
            ("Parcel marked delivered but not received", "The tracking page says delivered, "
             "but nothing arrived at my address."),
            ("Delivery three days late", "My order was promised for Monday and has still not "
             "arrived on Thursday."),
            ("Parcel arrived damaged", "The box was crushed and the glass inside is broken."),
            ("Wrong item in my order", "I ordered a blue kettle and received a red toaster."),
            ("Courier did not call before coming", "The courier came while I was out and did "
             "not call; now the parcel is back at the depot."),
        ],
        "vi": [
            ("Đơn hàng báo đã giao nhưng chưa nhận được", "Trang theo dõi báo đã giao nhưng tôi "
             "chưa nhận được gì."),
            ("Giao hàng trễ ba ngày", "Đơn hàng hẹn giao thứ Hai mà đến thứ Năm vẫn chưa đến."),
            ("Hàng bị vỡ khi nhận", "Hộp bị móp và ly thủy tinh bên trong bị vỡ."),
            ("Giao nhầm sản phẩm", "Tôi đặt ấm đun nước màu xanh nhưng nhận được máy nướng "
             "bánh màu đỏ."),
            ("Shipper không gọi trước khi giao", "Shipper đến khi tôi vắng nhà mà không gọi, "
             "giờ hàng đã bị trả về kho."),
        ],
    },
    "product": {
        "en": [
            ("Water filter leaking after a week", "The filter leaks from the bottom after one "
             "week of use."),
            ("Air conditioner not cooling", "The new air conditioner runs but the room stays at "
             "31 degrees."),
            ("Warranty repair taking too long", "My phone has been at the service centre for "
             "three weeks."),
        ],
        "vi": [
            ("Máy lọc nước bị rò rỉ", "Máy lọc nước bị rò nước ở đáy sau một tuần sử dụng."),
            ("Điều hòa mới lắp không lạnh", "Điều hòa chạy nhưng phòng vẫn 31 độ."),
            ("Bảo hành quá lâu", "Điện thoại của tôi nằm ở trung tâm bảo hành đã ba tuần."),
        ],
    },
    "account": {
        "en": [
            ("Cannot sign in after changing my phone", "Since I changed my phone number the "
             "sign-in codes do not arrive."),
            ("Account locked for no reason", "My account was locked this morning and I do not "
             "know why."),
            ("Password reset e-mail never arrives", "I asked for a password reset three times "
             "and got no e-mail."),
        ],
        "vi": [
            ("Không đăng nhập được sau khi đổi số điện thoại", "Từ khi đổi số điện thoại tôi "
             "không nhận được mã OTP."),
            ("Tài khoản bị khóa không rõ lý do", "Sáng nay tài khoản của tôi bị khóa mà không "
             "có thông báo."),
            ("Không nhận được email đặt lại mật khẩu", "Tôi yêu cầu đặt lại mật khẩu ba lần mà "
             "không nhận được email nào."),
        ],
    },
    "service-quality": {
        "en": [
            ("Nobody called me back", "The hotline promised a call back yesterday and nobody "
             "called."),
            ("Rude answer at the store", "The store staff refused my return and were rude "
             "about it."),
            ("Waited 40 minutes on the hotline", "I waited 40 minutes on the phone and the call "
             "was cut."),
        ],
        "vi": [
            ("Đã hẹn gọi lại mà không thấy ai gọi", "Tôi được hẹn gọi lại hôm qua nhưng không "
             "ai gọi."),
            ("Nhân viên cửa hàng thiếu lịch sự", "Nhân viên cửa hàng từ chối đổi hàng và nói "
             "chuyện thiếu lịch sự."),
            ("Chờ tổng đài 40 phút", "Tôi chờ máy 40 phút rồi cuộc gọi bị ngắt."),
        ],
    },
}

REPLIES = {
    "en": ["Hello,\n\nThank you for writing to us. I am looking into this now and will come "
           "back to you today.",
           "Hello,\n\nI have checked your account and corrected it. You will see the change "
           "within two working days.",
           "Hello,\n\nI am sorry about this. I have passed it to the team that can fix it and "
           "will keep you posted."],
    "vi": ["Chào anh/chị,\n\nEm đã nhận được thông tin và đang kiểm tra, em sẽ phản hồi trong "
           "hôm nay ạ.",
           "Chào anh/chị,\n\nEm đã kiểm tra và điều chỉnh lại. Anh/chị sẽ thấy thay đổi trong "
           "hai ngày làm việc.",
           "Chào anh/chị,\n\nEm xin lỗi vì sự bất tiện này. Em đã chuyển cho bộ phận phụ trách "
           "và sẽ cập nhật cho anh/chị."],
}
QUESTIONS = {
    "en": "Hello,\n\nCould you send us the order number and a photo of the receipt, please?",
    "vi": "Chào anh/chị,\n\nAnh/chị vui lòng gửi giúp em mã đơn hàng và ảnh chụp hóa đơn ạ.",
}
CUSTOMER_ANSWERS = {
    "en": ["Here it is: order 58213, photo attached to my e-mail.", "Thanks, that helps.",
           "It is still not fixed, sorry."],
    "vi": ["Mã đơn hàng là 58213, em đã gửi ảnh qua email.", "Cảm ơn em nhiều.",
           "Vẫn chưa được em ơi."],
}
RESOLUTIONS = {
    "en": ["Refunded the extra charge.", "Replacement sent by express delivery.",
           "Account unlocked and sign-in codes moved to the new number.",
           "Apologised and waived one month of fees."],
    "vi": ["Đã hoàn lại khoản trừ thừa.", "Đã gửi hàng thay thế bằng chuyển phát nhanh.",
           "Đã mở khóa tài khoản và cập nhật số điện thoại nhận mã.",
           "Đã xin lỗi và miễn phí một tháng."],
}
LESSONS = {
    "en": ["Check the bank's reference before asking the customer to wait.",
           "Tell the customer at once when a delivery will be more than two days late.",
           "Confirm the new phone number before moving sign-in codes."],
    "vi": ["Kiểm tra mã tham chiếu ngân hàng trước khi hẹn khách chờ thêm.",
           "Báo ngay cho khách khi đơn giao trễ quá hai ngày.",
           "Xác minh số điện thoại mới trước khi chuyển mã đăng nhập."],
}
REASONS = {"functional": "Needs the team that owns this kind of problem.",
           "hierarchical": "Customer waited too long; needs a senior decision."}
COMMENTS = {
    "en": {1: "Nobody read what I wrote.", 2: "Slow, I had to explain it twice.",
           3: "Solved in the end, but slowly.", 4: "Helpful, thank you.",
           5: "Excellent, sorted the same day!"},
    "vi": {1: "Không ai đọc kỹ khiếu nại của tôi.", 2: "Chậm, phải giải thích hai lần.",
           3: "Cuối cùng cũng xong nhưng hơi lâu.", 4: "Nhân viên hỗ trợ nhiệt tình.",
           5: "Rất hài lòng, xử lý trong ngày!"},
}
GUESTS = [("Trần Văn Nam", "nam.tran@example.net", "vi"),
          ("Linh Tran", "linh.tran@example.net", "en"),
          ("Hoàng Thị Lan", "lan.hoang@example.net", "vi"),
          ("Peter Walsh", "peter.walsh@example.net", "en"),
          ("Ngô Bảo Châu", "chau.ngo@example.net", "vi")]

# (query, results) — zero-result ones show what the help centre lacks
SEARCHES = [("refund", 6), ("hoàn tiền", 4), ("charged twice", 3), ("bị trừ tiền hai lần", 2),
            ("track my parcel", 3), ("giao hàng chậm", 2), ("reset password", 4),
            ("quên mật khẩu", 3), ("account locked", 2), ("late fee", 2), ("phí trễ hạn", 2),
            ("damaged parcel", 2), ("đổi trả hàng", 3), ("invoice", 3), ("app crash", 2),
            ("khiếu nại bao lâu", 2)]
ZERO_SEARCHES = ["loyalty points", "đổi điểm thưởng", "gift card balance", "trả góp 0%"]
