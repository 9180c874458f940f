//! A roster import's result as staff hand it out: a CSV sheet (`Accept: text/csv`) or a
//! printable page of slips to cut apart (`Accept: text/html`), one per new pupil. Both
//! carry initial passwords, so both are answered with `Cache-Control: no-store`.

use actix_web::HttpRequest;
use actix_web::http::header;

use super::roster::RosterImport;
use crate::api::csv_table::{Csv, num, text};

pub enum Sheet {
    Json,
    Csv,
    Html,
}

/// The representation the client ranks first among JSON, CSV and HTML (JSON when none).
pub fn wanted(req: &HttpRequest) -> Sheet {
    let Ok(accept) = <header::Accept as header::Header>::parse(req) else { return Sheet::Json };
    for mime in accept.ranked() {
        match (mime.type_().as_str(), mime.subtype().as_str()) {
            ("text", "csv") => return Sheet::Csv,
            ("text", "html") => return Sheet::Html,
            ("application", "json" | "*") | ("*", "*") => return Sheet::Json,
            _ => {}
        }
    }
    Sheet::Json
}

const CSV_HEADER: [&str; 8] = [
    "row",
    "status",
    "user_id",
    "username",
    "display_name",
    "student_number",
    "initial_password",
    "passwords_expire_at",
];

/// One line per roster row: `created` with its password, `existing` without.
pub fn csv(import: &RosterImport) -> String {
    let mut csv = Csv::new(&CSV_HEADER);
    let expires = import.passwords_expire_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut lines: Vec<(usize, Vec<String>)> = import
        .created
        .iter()
        .map(|c| {
            let cells = vec![
                num(c.row),
                "created".into(),
                num(c.user_id),
                text(&c.username),
                text(&c.display_name),
                c.student_number.as_deref().map(text).unwrap_or_default(),
                text(&c.initial_password),
                expires.clone(),
            ];
            (c.row, cells)
        })
        .collect();
    lines.extend(import.existing.iter().map(|e| {
        let cells = vec![
            num(e.row),
            "existing".into(),
            num(e.user_id),
            text(&e.username),
            text(&e.display_name),
            e.student_number.as_deref().map(text).unwrap_or_default(),
            String::new(),
            String::new(),
        ];
        (e.row, cells)
    }));
    lines.sort_by_key(|(row, _)| *row);
    for (_, cells) in lines {
        csv.row(cells);
    }
    csv.finish()
}

fn escape(raw: &str) -> String {
    raw.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Inline styles only (no external resource): the sheet prints where there is no network.
const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;margin:1.5em;color:#000}\
h1{font-size:1.3em}p.note{color:#333}\
.slip{border-top:2px dashed #888;padding:1em 0.5em;page-break-inside:avoid;break-inside:avoid}\
.slip:last-of-type{border-bottom:2px dashed #888}\
.slip table{border-collapse:collapse}.slip th{text-align:left;padding:0.15em 1em 0.15em 0;font-weight:normal;color:#444}\
.slip td{padding:0.15em 0;font-size:1.15em}.secret{font-family:monospace;font-size:1.4em;letter-spacing:0.1em}\
.slip ol{margin:0.5em 0 0 1.2em;padding:0}.cut{font-size:0.8em;color:#888}\
@media print{body{margin:0}.noprint{display:none}.slip{font-size:11pt}}";

/// A self-contained page: one slip per new pupil, separated by dashed cut lines.
pub fn html(import: &RosterImport, tz: chrono_tz::Tz) -> String {
    use std::fmt::Write as _;
    let class = escape(&import.organization.name);
    let expires = import.passwords_expire_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{class} 账号发放单</title>\
         <style>{STYLE}</style></head><body>\n<h1>{class} 账号发放单</h1>\n\
         <p class=\"note noprint\">新建账号 {} 个，已有账号 {} 个（已有账号不再生成密码）。沿虚线剪开，每位学生一张。\
         初始密码只显示这一次，请妥善保管本页。</p>\n",
        import.created.len(),
        import.existing.len()
    );
    for pupil in &import.created {
        let number = pupil.student_number.as_deref().map(escape).unwrap_or_default();
        let _ = writeln!(
            page,
            "<section class=\"slip\"><div class=\"cut\">✂ 沿虚线剪开</div><table>\
             <tr><th>姓名</th><td>{}</td></tr><tr><th>班级</th><td>{class}</td></tr>\
             <tr><th>学号</th><td>{number}</td></tr>\
             <tr><th>用户名</th><td class=\"secret\">{}</td></tr>\
             <tr><th>初始密码</th><td class=\"secret\">{}</td></tr></table>\
             <ol><li>打开“同心”App，输入用户名和初始密码登录。</li>\
             <li>首次登录须修改密码：按提示设置自己的新密码（至少 10 位，含字母、数字等两类字符）。</li>\
             <li>以后用新密码登录。忘记密码请找老师重置。</li></ol>\
             <p>初始密码有效期至 {expires}，过期后请找老师重新发放。</p></section>",
            escape(&pupil.display_name),
            escape(&pupil.username),
            escape(&pupil.initial_password),
        );
    }
    if !import.existing.is_empty() {
        page.push_str("<div class=\"noprint\"><h2>已有账号</h2><ul>");
        for pupil in &import.existing {
            let _ = write!(page, "<li>{}（{}）</li>", escape(&pupil.display_name), escape(&pupil.username));
        }
        page.push_str("</ul></div>\n");
    }
    page.push_str("</body></html>\n");
    page
}
