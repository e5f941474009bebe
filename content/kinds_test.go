package content

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// cw is one expected citation: type, number, issuer, date (YYYY-MM-DD or
// ""), subject and slug.
type cw struct{ typ, number, issuer, date, subject, slug string }

// kindCase is what Parse must read from one fixture of
// testdata/kinds (issue 15): the facts, the first and last paragraph of
// the body (first and last line of Text), the full list of citations, the
// signature, and the web-page debris that must be gone from Text and from
// what ImportFile stores.
type kindCase struct {
	file                                          string
	number, typ, issuer, place, date, title, slug string
	recipients                                    []string
	first, last                                   string
	cites                                         []cw
	sig                                           Signature
	warn                                          bool     // imported without a number, with a warning
	debris                                        []string // web-page debris: neither in Text nor in what is stored
	notText                                       []string // header material: not in Text (stored as the document's own layout)
}

var kindCases = []kindCase{
	// 1. No number in the header: imported without one, slug from type,
	// date and subject, a warning; the body's first paragraph and its
	// citation are kept.
	{file: "1-no-number/ke-hoach-du-thao-so-cham.txt",
		number: "", typ: TypePlan, issuer: "Ủy ban nhân dân tỉnh Thái Bình", place: "Thái Bình", date: "2019-05-20",
		title: "Tổ chức Tháng hành động phòng, chống ma túy và Ngày Quốc tế phòng, chống ma túy năm 2019",
		slug:  "ke-hoach-2019-05-20-to-chuc-thang-hanh-dong-phong-chong-ma-tuy-va",
		first: "Thực hiện Kế hoạch số 77/KH-BCĐ ngày 10/5/2019 của Ban Chỉ đạo 138 tỉnh về công tác phòng, chống tội phạm, tệ nạn xã hội năm 2019, Ủy ban nhân dân tỉnh ban hành Kế hoạch tổ chức Tháng hành động phòng, chống ma túy và Ngày Quốc tế phòng, chống ma túy năm 2019 như sau:",
		last:  "Công an tỉnh là cơ quan thường trực, theo dõi, đôn đốc các sở, ngành, địa phương thực hiện Kế hoạch này; tổng hợp kết quả, báo cáo Ủy ban nhân dân tỉnh trước ngày 05/7/2019.",
		cites: []cw{{TypePlan, "77/KH-BCĐ", "Ban Chỉ đạo 138 tỉnh Thái Bình", "2019-05-10", "công tác phòng, chống tội phạm, tệ nạn xã hội năm 2019", "77-kh-bcd-2019"}},
		sig:   Signature{Authority: "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", Position: "PHÓ CHỦ TỊCH"},
		warn:  true, notText: []string{"DỰ THẢO", "Nơi nhận"}},
	{file: "1-no-number/quyet-dinh-ocr-so-hong.txt",
		number: "", typ: TypeDecision, issuer: "Ủy ban nhân dân huyện Kiến Xương", place: "Kiến Xương", date: "2020-03-12",
		title: "Về việc kiện toàn Ban Chỉ đạo phòng, chống tội phạm, tệ nạn xã hội và xây dựng phong trào toàn dân bảo vệ an ninh Tổ quốc huyện Kiến Xương",
		slug:  "quyet-dinh-2020-03-12-kien-toan-ban-chi-dao-phong-chong-toi-pham-te",
		first: "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN KIẾN XƯƠNG",
		last:  "Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện, Trưởng Công an huyện và các ông, bà có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.",
		cites: []cw{{TypeDecision, "1217/QĐ-UBND", "Ủy ban nhân dân tỉnh Thái Bình", "2019-05-15", "việc kiện toàn Ban Chỉ đạo phòng, chống tội phạm, tệ nạn xã hội và xây dựng phong trào toàn dân bảo vệ an ninh Tổ quốc tỉnh", "1217-qd-ubnd-2019"}},
		sig:   Signature{Authority: "CHỦ TỊCH", Signer: "Nguyễn Văn C"},
		warn:  true, notText: []string{"1O5"}},
	{file: "1-no-number/thong-bao-so-trong.txt",
		number: "", typ: TypeNotice, issuer: "Văn phòng Ủy ban nhân dân tỉnh Thái Bình", place: "Thái Bình", date: "",
		title: "Kết luận của Phó Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp về công tác cai nghiện ma túy quý I năm 2020",
		slug:  "thong-bao-ket-luan-cua-pho-chu-tich-uy-ban-nhan-dan",
		first: "Ngày 12/3/2020, đồng chí Nguyễn Văn A, Phó Chủ tịch Ủy ban nhân dân tỉnh chủ trì cuộc họp đánh giá việc thực hiện Kế hoạch số 45/KH-UBND ngày 02/3/2020 của Ủy ban nhân dân tỉnh về công tác cai nghiện ma túy năm 2020. Sau khi nghe Sở Lao động - Thương binh và Xã hội báo cáo kết quả công tác cai nghiện ma túy quý I năm 2020 và ý kiến của các đại biểu, Phó Chủ tịch Ủy ban nhân dân tỉnh kết luận như sau:",
		last:  "Văn phòng Ủy ban nhân dân tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện.",
		cites: []cw{{TypePlan, "45/KH-UBND", "Ủy ban nhân dân tỉnh Thái Bình", "2020-03-02", "công tác cai nghiện ma túy năm 2020", "45-kh-ubnd-2020"}},
		sig:   Signature{Authority: "KT. CHÁNH VĂN PHÒNG", Position: "PHÓ CHÁNH VĂN PHÒNG", Signer: "Nguyễn Văn G"},
		warn:  true},

	// 2. A letter after the digits of the number.
	{file: "2-letter-number/ke-hoach-17b-kh-ubnd.txt",
		number: "17b/KH-UBND", typ: TypePlan, issuer: "Ủy ban nhân dân huyện Đông Hưng", place: "Đông Hưng", date: "2022-02-22",
		title: "Triển khai thi hành Luật Phòng, chống ma túy năm 2021 trên địa bàn huyện Đông Hưng",
		slug:  "17b-kh-ubnd-2022",
		first: "Thực hiện Kế hoạch số 12a/KH-UBND ngày 18/01/2022 của Ủy ban nhân dân tỉnh Thái Bình về triển khai thi hành Luật Phòng, chống ma túy số 73/2021/QH14, Ủy ban nhân dân huyện ban hành Kế hoạch như sau:",
		last:  "Công an huyện chủ trì, theo dõi, đôn đốc việc thực hiện Kế hoạch này và báo cáo Ủy ban nhân dân huyện trước ngày 15/12/2022.",
		cites: []cw{
			{TypeLaw, "73/2021/QH14", "Quốc hội", "2021-03-30", "Phòng, chống ma túy", "73-2021-qh14"},
			{TypePlan, "12a/KH-UBND", "Ủy ban nhân dân tỉnh Thái Bình", "2022-01-18", "triển khai thi hành Luật Phòng, chống ma túy số 73/2021/QH14", "12a-kh-ubnd-2022"},
			{TypeDecree, "105/2021/NĐ-CP", "Chính phủ", "2021-12-04", "quy định chi tiết và hướng dẫn thi hành một số điều của Luật Phòng, chống ma túy", "105-2021-nd-cp"},
		},
		sig: Signature{Authority: "TM. ỦY BAN NHÂN DÂN", Position: "CHỦ TỊCH", Signer: "Nguyễn Văn H"}},
	{file: "2-letter-number/quyet-dinh-5a-qd-cat.txt",
		number: "5a/QĐ-CAT", typ: TypeDecision, issuer: "Công an tỉnh Thái Bình", place: "Thái Bình", date: "2021-01-04",
		title: "Về việc thành lập Tổ công tác đấu tranh với tội phạm ma túy trên không gian mạng",
		slug:  "5a-qd-cat-2021",
		first: "GIÁM ĐỐC CÔNG AN TỈNH THÁI BÌNH",
		last:  "Quyết định này có hiệu lực kể từ ngày ký. Trưởng các phòng có liên quan chịu trách nhiệm thi hành Quyết định này.",
		cites: []cw{
			{TypeLaw, "37/2018/QH14", "", "", "Công an nhân dân", "37-2018-qh14"},
			{TypeDecision, "3a/QĐ-CAT", "Giám đốc Công an tỉnh Thái Bình", "2021-01-02", "công tác phòng, chống tội phạm năm 2021", "3a-qd-cat-2021"},
		},
		sig: Signature{Authority: "GIÁM ĐỐC", Signer: "Nguyễn Văn K"}},
	{file: "2-letter-number/thong-bao-08a-tb-syt.txt",
		number: "08A/TB-SYT", typ: TypeNotice, issuer: "Sở Y tế tỉnh Thái Bình", place: "Thái Bình", date: "2018-08-09",
		title: "Danh sách cơ sở điều trị nghiện các chất dạng thuốc phiện bằng thuốc thay thế trên địa bàn tỉnh",
		slug:  "08a-tb-syt-2018",
		first: "Căn cứ Nghị định số 90/2016/NĐ-CP ngày 01/7/2016 của Chính phủ quy định về điều trị nghiện các chất dạng thuốc phiện bằng thuốc thay thế; thực hiện Thông báo số 08/TB-SYT ngày 02/8/2018 của Sở Y tế, Sở Y tế thông báo danh sách cơ sở điều trị nghiện các chất dạng thuốc phiện bằng thuốc thay thế trên địa bàn tỉnh như sau:",
		last:  "Người nghiện có nhu cầu điều trị liên hệ trực tiếp với cơ sở gần nơi cư trú để được tư vấn.",
		cites: []cw{
			{TypeDecree, "90/2016/NĐ-CP", "Chính phủ", "2016-07-01", "điều trị nghiện các chất dạng thuốc phiện bằng thuốc thay thế", "90-2016-nd-cp"},
			{TypeNotice, "08/TB-SYT", "Sở Y tế", "2018-08-02", "", "08-tb-syt-2018"},
		},
		sig: Signature{Authority: "KT. GIÁM ĐỐC", Position: "PHÓ GIÁM ĐỐC", Signer: "Nguyễn Thị L"}},

	// 3. Official letters (công văn): "V/v …", "Kính gửi:", no type word.
	{file: "3-cong-van/cong-van-so-ldtbxh-bang.txt",
		number: "1234/SLĐTBXH-PCTNXH", typ: TypeOfficialLetter, issuer: "Sở Lao động - Thương binh và Xã hội tỉnh Thái Bình", place: "Thái Bình", date: "2019-06-10",
		title:      "Về việc tổ chức các hoạt động hưởng ứng Tháng hành động phòng, chống ma túy năm 2019",
		slug:       "1234-sldtbxh-pctnxh-2019",
		recipients: []string{"Phòng Lao động - Thương binh và Xã hội các huyện, thành phố", "Cơ sở Cai nghiện ma túy tỉnh"},
		first:      "Thực hiện Kế hoạch số 77/KH-UBND ngày 20/5/2019 của Ủy ban nhân dân tỉnh về tổ chức Tháng hành động phòng, chống ma túy năm 2019, Sở Lao động - Thương binh và Xã hội đề nghị các đơn vị thực hiện một số nội dung sau:",
		last:       "Báo cáo kết quả thực hiện gửi về Sở Lao động - Thương binh và Xã hội (qua Phòng Phòng, chống tệ nạn xã hội) trước ngày 05/7/2019.",
		cites:      []cw{{TypePlan, "77/KH-UBND", "Ủy ban nhân dân tỉnh Thái Bình", "2019-05-20", "tổ chức Tháng hành động phòng, chống ma túy năm 2019", "77-kh-ubnd-2019"}},
		sig:        Signature{Authority: "KT. GIÁM ĐỐC", Position: "PHÓ GIÁM ĐỐC", Signer: "Trần Thị M"},
		notText:    []string{"Kính gửi", "V/v"}},
	{file: "3-cong-van/cong-van-ubnd-huyen-chong.txt",
		number: "215/UBND-VP", typ: TypeOfficialLetter, issuer: "Ủy ban nhân dân huyện Vũ Thư", place: "Vũ Thư", date: "2020-07-03",
		title:      "Về việc tăng cường công tác quản lý người sử dụng trái phép chất ma túy",
		slug:       "215-ubnd-vp-2020",
		recipients: []string{"Ủy ban nhân dân các xã, thị trấn"},
		first:      "Thực hiện Công văn số 1456/UBND-NC ngày 25/6/2020 của Ủy ban nhân dân tỉnh Thái Bình về việc tăng cường quản lý người nghiện ma túy, người sử dụng trái phép chất ma túy, Chủ tịch Ủy ban nhân dân huyện yêu cầu:",
		last:       "Yêu cầu Chủ tịch Ủy ban nhân dân các xã, thị trấn nghiêm túc triển khai thực hiện.",
		cites:      []cw{{TypeOfficialLetter, "1456/UBND-NC", "Ủy ban nhân dân tỉnh Thái Bình", "2020-06-25", "việc tăng cường quản lý người nghiện ma túy, người sử dụng trái phép chất ma túy", "1456-ubnd-nc-2020"}},
		sig:        Signature{Authority: "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", Position: "PHÓ CHỦ TỊCH", Signer: "Phạm Văn N"}},
	{file: "3-cong-van/cong-van-cong-an-vv-cung-dong.txt",
		number: "368/CAT-PC04", typ: TypeOfficialLetter, issuer: "Công an tỉnh Thái Bình", place: "Thái Bình", date: "2021-04-15",
		title:      "Về việc phối hợp phát hiện, tố giác tội phạm ma túy",
		slug:       "368-cat-pc04-2021",
		recipients: []string{"Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Thái Bình"},
		first:      "Thực hiện Luật Phòng, chống ma túy năm 2021 và Bộ luật Tố tụng hình sự số 101/2015/QH13, Công an tỉnh đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh phối hợp thực hiện các nội dung sau:",
		last:       "Công an tỉnh bảo đảm giữ bí mật danh tính của người tố giác theo quy định của pháp luật.",
		cites: []cw{
			{TypeLaw, "73/2021/QH14", "Quốc hội", "2021-03-30", "Phòng, chống ma túy", "73-2021-qh14"},
			{TypeCode, "101/2015/QH13", "", "", "Tố tụng hình sự", "101-2015-qh13"},
		},
		sig: Signature{Authority: "GIÁM ĐỐC", Signer: "Lê Văn P"}},

	// 4. Citations where the number or the year comes after the type and
	// the name of the law.
	{file: "4-law-citations/nghi-quyet-hdnd-can-cu-luat.txt",
		number: "21/2022/NQ-HĐND", typ: TypeResolution, issuer: "Hội đồng nhân dân tỉnh Thái Bình", place: "Thái Bình", date: "2022-12-08",
		title: "Quy định mức hỗ trợ đối với người cai nghiện ma túy tự nguyện tại gia đình, cộng đồng trên địa bàn tỉnh Thái Bình",
		slug:  "21-2022-nq-hdnd",
		first: "HỘI ĐỒNG NHÂN DÂN TỈNH THÁI BÌNH",
		last:  "Nghị quyết này có hiệu lực từ ngày 01 tháng 01 năm 2023.",
		cites: []cw{
			{TypeLaw, "15/2012/QH13", "Quốc hội", "2012-06-20", "Xử lý vi phạm hành chính", "15-2012-qh13"},
			{TypeLaw, "73/2021/QH14", "Quốc hội", "2021-03-30", "Phòng, chống ma túy", "73-2021-qh14"},
			{TypeDecree, "116/2021/NĐ-CP", "Chính phủ", "2021-12-21", "quy định chi tiết một số điều của Luật Phòng, chống ma túy, Luật Xử lý vi phạm hành chính về cai nghiện ma túy và quản lý sau cai nghiện ma túy", "116-2021-nd-cp"},
		},
		sig: Signature{Authority: "CHỦ TỊCH", Signer: "Nguyễn Văn Q"}},
	{file: "4-law-citations/chi-thi-bo-luat-hinh-su.txt",
		number: "07/CT-UBND", typ: TypeDirective, issuer: "Ủy ban nhân dân tỉnh Thái Bình", place: "Thái Bình", date: "2018-05-16",
		title: "Về tăng cường công tác đấu tranh phòng, chống tội phạm về ma túy",
		slug:  "07-ct-ubnd-2018",
		first: "Bộ luật Hình sự số 100/2015/QH13 đã được sửa đổi, bổ sung bởi Luật số 12/2017/QH14 ngày 20/6/2017 và có hiệu lực từ ngày 01/01/2018, trong đó Chương XX quy định các tội phạm về ma túy. Để thi hành nghiêm Bộ luật Hình sự, Chủ tịch Ủy ban nhân dân tỉnh yêu cầu:",
		last:  "Yêu cầu Thủ trưởng các sở, ban, ngành, Chủ tịch Ủy ban nhân dân các huyện, thành phố nghiêm túc thực hiện Chỉ thị này.",
		cites: []cw{
			{TypeCode, "100/2015/QH13", "Quốc hội", "2015-11-27", "Hình sự", "100-2015-qh13"},
			{TypeLaw, "12/2017/QH14", "", "2017-06-20", "", "12-2017-qh14"},
			{TypeCode, "101/2015/QH13", "", "", "Tố tụng hình sự", "101-2015-qh13"},
		},
		sig: Signature{Authority: "CHỦ TỊCH", Signer: "Nguyễn Văn R"}},
	{file: "4-law-citations/ke-hoach-xu-ly-vphc-so-sau.txt",
		number: "09/KH-UBND", typ: TypePlan, issuer: "Ủy ban nhân dân xã Vũ Hội", place: "Vũ Hội", date: "2023-03-02",
		title: "Lập hồ sơ đề nghị áp dụng biện pháp xử lý hành chính đối với người nghiện ma túy",
		slug:  "09-kh-ubnd-2023",
		first: "Căn cứ Luật Xử lý vi phạm hành chính số 15/2012/QH13, được sửa đổi, bổ sung bởi Luật số 67/2020/QH14; Luật Phòng, chống ma túy số 73/2021/QH14; Nghị định số 116/2021/NĐ-CP ngày 21/12/2021 của Chính phủ; Ủy ban nhân dân xã xây dựng Kế hoạch như sau:",
		last:  "Hồ sơ được gửi đến Phòng Tư pháp huyện Vũ Thư theo quy định của Luật Xử lý vi phạm hành chính năm 2012.",
		cites: []cw{
			{TypeLaw, "15/2012/QH13", "Quốc hội", "2012-06-20", "Xử lý vi phạm hành chính", "15-2012-qh13"},
			{TypeLaw, "67/2020/QH14", "", "", "", "67-2020-qh14"},
			{TypeLaw, "73/2021/QH14", "", "", "Phòng, chống ma túy", "73-2021-qh14"},
			{TypeDecree, "116/2021/NĐ-CP", "Chính phủ", "2021-12-21", "", "116-2021-nd-cp"},
		},
		sig: Signature{Authority: "TM. ỦY BAN NHÂN DÂN", Position: "CHỦ TỊCH", Signer: "Bùi Văn S"}},

	// 5. Issuers: digits in the name, a name over two lines, rules drawn
	// with "——", "-----", "_____", a header in mixed case.
	{file: "5-issuer/ke-hoach-ban-chi-dao-389.txt",
		number: "46/KH-BCĐ389", typ: TypePlan, issuer: "Ban Chỉ đạo 389 tỉnh Thái Bình", place: "Thái Bình", date: "2021-02-25",
		title:   "Cao điểm đấu tranh chống buôn lậu, gian lận thương mại và vận chuyển trái phép chất ma túy qua tuyến biển",
		slug:    "46-kh-bcd389-2021",
		first:   "Thực hiện Kế hoạch số 125/KH-BCĐ389 ngày 29/01/2021 của Ban Chỉ đạo 389 quốc gia, Ban Chỉ đạo 389 tỉnh xây dựng Kế hoạch cao điểm như sau:",
		last:    "Các thành viên Ban Chỉ đạo báo cáo kết quả về Thường trực Ban Chỉ đạo (qua Sở Công Thương) trước ngày 30/4/2021.",
		cites:   []cw{{TypePlan, "125/KH-BCĐ389", "Ban Chỉ đạo 389 quốc gia", "2021-01-29", "", "125-kh-bcd389-2021"}},
		sig:     Signature{Authority: "KT. TRƯỞNG BAN", Position: "PHÓ TRƯỞNG BAN THƯỜNG TRỰC", Signer: "Nguyễn Văn T"},
		notText: []string{"——"}},
	{file: "5-issuer/thong-tu-bo-vhttdl-hai-dong.txt",
		number: "9999/2019/TT-BVHTTDL", typ: TypeCircular, issuer: "Bộ Văn hóa, Thể thao và Du lịch", place: "Hà Nội", date: "2019-10-10",
		title:   "Quy định về lồng ghép nội dung phòng, chống ma túy trong hoạt động văn hóa, thể thao (tệp kiểm thử)",
		slug:    "9999-2019-tt-bvhttdl",
		first:   "Căn cứ Nghị định số 79/2017/NĐ-CP ngày 17/7/2017 của Chính phủ quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Bộ Văn hóa, Thể thao và Du lịch;",
		last:    "Thông tư này có hiệu lực từ ngày 01 tháng 12 năm 2019.",
		cites:   []cw{{TypeDecree, "79/2017/NĐ-CP", "Chính phủ", "2017-07-17", "quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Bộ Văn hóa, Thể thao và Du lịch", "79-2017-nd-cp"}},
		sig:     Signature{Authority: "BỘ TRƯỞNG", Signer: "Nguyễn Văn U"},
		notText: []string{"-----"}},
	{file: "5-issuer/ke-hoach-so-vhttdl-gach-duoi.txt",
		number: "318/KH-SVHTTDL", typ: TypePlan, issuer: "Sở Văn hóa, Thể thao và Du lịch tỉnh Thái Bình", place: "Thái Bình", date: "2023-06-05",
		title:   "Tuyên truyền phòng, chống ma túy trong các hoạt động văn hóa, văn nghệ, thể dục thể thao năm 2023",
		slug:    "318-kh-svhttdl-2023",
		first:   "Căn cứ Kế hoạch số 61/KH-UBND ngày 19/4/2023 của Ủy ban nhân dân tỉnh về công tác phòng, chống ma túy năm 2023, Sở Văn hóa, Thể thao và Du lịch xây dựng Kế hoạch như sau:",
		last:    "Phòng Quản lý Văn hóa và Gia đình là đầu mối theo dõi, tổng hợp kết quả thực hiện Kế hoạch.",
		cites:   []cw{{TypePlan, "61/KH-UBND", "Ủy ban nhân dân tỉnh Thái Bình", "2023-04-19", "công tác phòng, chống ma túy năm 2023", "61-kh-ubnd-2023"}},
		sig:     Signature{Authority: "KT. GIÁM ĐỐC", Position: "PHÓ GIÁM ĐỐC", Signer: "Đỗ Thị V"},
		notText: []string{"_____"}},
	{file: "5-issuer/ke-hoach-ubnd-huyen-chu-thuong.txt",
		number: "88/KH-UBND", typ: TypePlan, issuer: "Ủy ban nhân dân huyện Thái Thụy", place: "Thái Thụy", date: "2022-04-14",
		title: "Xây dựng xã, thị trấn không ma túy trên địa bàn huyện Thái Thụy giai đoạn 2022 - 2025",
		slug:  "88-kh-ubnd-2022",
		first: "Căn cứ Nghị định số 105/2021/NĐ-CP ngày 04/12/2021 của Chính phủ quy định chi tiết và hướng dẫn thi hành một số điều của Luật Phòng, chống ma túy, Ủy ban nhân dân huyện ban hành Kế hoạch như sau:",
		last:  "Kế hoạch này được triển khai đến các xã, thị trấn để tổ chức thực hiện.",
		cites: []cw{{TypeDecree, "105/2021/NĐ-CP", "Chính phủ", "2021-12-04", "quy định chi tiết và hướng dẫn thi hành một số điều của Luật Phòng, chống ma túy", "105-2021-nd-cp"}},
		sig:   Signature{Authority: "TM. ỦY BAN NHÂN DÂN", Position: "CHỦ TỊCH", Signer: "Hoàng Văn X"}},

	// 6. Web-page debris: signature and "Nơi nhận:" on one line separated
	// by tabs, labels with counts, a posting date that is not the date of
	// issue.
	{file: "6-web-debris/quyet-dinh-tab-luot-truy-cap.txt",
		number: "1618/QĐ-UBND", typ: TypeDecision, issuer: "Ủy ban nhân dân tỉnh Thái Bình", place: "Thái Bình", date: "2019-06-28",
		title:  "Về việc khen thưởng tập thể, cá nhân có thành tích xuất sắc trong công tác phòng, chống ma túy năm 2019",
		slug:   "1618-qd-ubnd-2019",
		first:  "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH THÁI BÌNH",
		last:   "Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Nội vụ và các tập thể, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.",
		sig:    Signature{Authority: "KT. CHỦ TỊCH", Position: "PHÓ CHỦ TỊCH", Signer: "Nguyễn Văn Y"},
		debris: []string{"Trang chủ", "Ngày cập nhật", "Số lượt truy cập", "3.402", "Chia sẻ", "In trang"}, notText: []string{"Nơi nhận"}},
	{file: "6-web-debris/ke-hoach-chu-ky-truoc-noi-nhan.txt",
		number: "52/KH-UBND", typ: TypePlan, issuer: "Ủy ban nhân dân huyện Quỳnh Phụ", place: "", date: "",
		title:  "Tuyên truyền phòng, chống ma túy trong trường học năm học 2019 - 2020",
		slug:   "52-kh-ubnd",
		first:  "Thực hiện Chỉ thị số 25/CT-TTg ngày 05/6/2017 của Thủ tướng Chính phủ về tăng cường công tác phòng, chống và cai nghiện ma túy trong tình hình mới, Ủy ban nhân dân huyện ban hành Kế hoạch như sau:",
		last:   "Kế hoạch này được phổ biến đến toàn thể cán bộ, giáo viên, học sinh.",
		cites:  []cw{{TypeDirective, "25/CT-TTg", "Thủ tướng Chính phủ", "2017-06-05", "tăng cường công tác phòng, chống và cai nghiện ma túy trong tình hình mới", "25-ct-ttg-2017"}},
		sig:    Signature{Authority: "KT. CHỦ TỊCH", Position: "PHÓ CHỦ TỊCH", Signer: "Vũ Thị Z"},
		debris: []string{"Ngày cập nhật", "Lượt xem", "In bài", "Chia sẻ", "Bình luận", "Tin cùng chuyên mục"}, notText: []string{"Nơi nhận"}},
	{file: "6-web-debris/thong-bao-dang-ngay-truoc-tieu-de.txt",
		number: "25/TB-PC04", typ: TypeNotice, issuer: "Phòng Cảnh sát điều tra tội phạm về ma túy Công an tỉnh Thái Bình", place: "Thái Bình", date: "2021-01-12",
		title:  "Về việc tiếp nhận tin báo, tố giác tội phạm về ma túy",
		slug:   "25-tb-pc04-2021",
		first:  "Căn cứ Bộ luật Tố tụng hình sự số 101/2015/QH13, Phòng Cảnh sát điều tra tội phạm về ma túy Công an tỉnh thông báo:",
		last:   "Thông tin xin gửi về Phòng Cảnh sát điều tra tội phạm về ma túy, số điện thoại đường dây nóng được niêm yết tại trụ sở Công an các xã, phường, thị trấn.",
		cites:  []cw{{TypeCode, "101/2015/QH13", "", "", "Tố tụng hình sự", "101-2015-qh13"}},
		sig:    Signature{Authority: "TRƯỞNG PHÒNG", Signer: "Đinh Văn Ước"},
		debris: []string{"CỔNG THÔNG TIN", "Ngày đăng", "Số lượt truy cập", "Số người đang xem", "Chia sẻ", "Gửi cho bạn bè"}},
}

// TestParseKinds: each fixture of testdata/kinds parses to exactly the
// facts, body ends, citations and signature above; debris is neither in
// Text (what search indexes) nor in what ImportFile stores.
func TestParseKinds(t *testing.T) {
	perKind := map[string]int{}
	for _, k := range kindCases {
		perKind[strings.SplitN(k.file, "/", 2)[0]]++
		t.Run(k.file, func(t *testing.T) {
			d, stored, err := parse(readFile(t, filepath.Join("testdata", "kinds", k.file)))
			if err != nil {
				t.Fatal(err)
			}
			check := func(field, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q\n%*s want %q", field, got, len(field), "", want)
				}
			}
			check("Number", d.Number, k.number)
			check("Type", d.Type, k.typ)
			check("Issuer", d.Issuer, k.issuer)
			check("Place", d.Place, k.place)
			date := ""
			if !d.IssuedOn.IsZero() {
				date = d.IssuedOn.Format("2006-01-02")
			}
			check("IssuedOn", date, k.date)
			check("Title", d.Title, k.title)
			check("Slug", d.Slug, k.slug)
			check("Recipients", strings.Join(d.Recipients, " / "), strings.Join(k.recipients, " / "))
			lines := strings.Split(d.Text, "\n")
			check("first paragraph", lines[0], k.first)
			check("last paragraph", lines[len(lines)-1], k.last)
			if d.Signature == nil {
				t.Error("no signature")
			} else if *d.Signature != k.sig {
				t.Errorf("Signature = %+v\n     want %+v", *d.Signature, k.sig)
			}
			var got []cw
			for _, c := range d.Citations {
				g := cw{c.Type, c.Number, c.Issuer, "", c.Subject, c.Slug}
				if !c.IssuedOn.IsZero() {
					g.date = c.IssuedOn.Format("2006-01-02")
				}
				got = append(got, g)
			}
			if len(got) != len(k.cites) {
				t.Errorf("%d citations, want %d:\n got  %q\n want %q", len(got), len(k.cites), got, k.cites)
			}
			for i := 0; i < min(len(got), len(k.cites)); i++ {
				if got[i] != k.cites[i] {
					t.Errorf("citation %d:\n got  %q\n want %q", i, got[i], k.cites[i])
				}
			}
			if k.warn != (len(d.Warnings) > 0) {
				t.Errorf("Warnings = %q, want a warning: %v", d.Warnings, k.warn)
			}
			for _, s := range append(k.debris, k.notText...) {
				if strings.Contains(d.Text, s) {
					t.Errorf("Text keeps %q", s)
				}
			}
			for _, s := range k.debris {
				if strings.Contains(stored, s) {
					t.Errorf("stored text keeps %q", s)
				}
			}
			assertClean(t, d)
			// What ImportFile stores parses to the same document.
			again, err := Parse([]byte(stored))
			if err != nil || again.Text != d.Text || again.Slug != d.Slug || again.Title != d.Title || again.Issuer != d.Issuer {
				t.Errorf("stored text parses differently: %v %q %q", err, again.Slug, again.Issuer)
			}
		})
	}
	for kind, n := range perKind {
		if n < 3 {
			t.Errorf("kind %s has %d fixtures, want at least 3", kind, n)
		}
	}
}

// The kinds fixtures in NFD with CRLF and a BOM parse exactly as in NFC;
// written with the old tone placement ("hoà", "tuý", "Uỷ") they give the
// same number, type, slug and citations (a law named with its year is
// still found in the catalogue).
func TestParseKindsVariants(t *testing.T) {
	oldTones := strings.NewReplacer("hòa", "hoà", "Hòa", "Hoà", "HÒA", "HOÀ", "túy", "tuý", "TÚY", "TUÝ", "Ủy", "Uỷ", "ủy", "uỷ", "ỦY", "UỶ", "thủy", "thuỷ", "Thụy", "Thuỵ")
	for _, k := range kindCases {
		t.Run(k.file, func(t *testing.T) {
			b := readFile(t, filepath.Join("testdata", "kinds", k.file))
			want := goldenOf(b)
			nfd := append([]byte("\uFEFF"), []byte(strings.ReplaceAll(norm.NFD.String(string(b)), "\n", "\r\n"))...)
			if got := goldenOf(nfd); !reflect.DeepEqual(got, want) {
				t.Errorf("NFD+CRLF+BOM differs:\n got  %+v\n want %+v", got, want)
			}
			old := goldenOf([]byte(oldTones.Replace(string(b))))
			if old.Number != want.Number || old.Type != want.Type || (want.Number != "" && old.Slug != want.Slug) || len(old.Citations) != len(want.Citations) {
				t.Fatalf("old tone placement: %q %q %q, %d citations; want %q %q %q, %d", old.Number, old.Type, old.Slug, len(old.Citations), want.Number, want.Type, want.Slug, len(want.Citations))
			}
			for i := range want.Citations {
				if old.Citations[i].Number != want.Citations[i].Number || old.Citations[i].Slug != want.Citations[i].Slug {
					t.Errorf("old tone placement, citation %d: %+v, want %+v", i, old.Citations[i], want.Citations[i])
				}
			}
		})
	}
}
