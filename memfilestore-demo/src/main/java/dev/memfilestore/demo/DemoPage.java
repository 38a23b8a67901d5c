package dev.memfilestore.demo;

import java.util.Map;

/** The demo's one page: plain HTML with inline style and script, so it works offline. */
final class DemoPage {
  private DemoPage() {}

  /** What the page shows; strings are already HTML-escaped. */
  record View(
      long visits,
      String created,
      String expires,
      long timeoutMinutes,
      String user,
      boolean loginFailed,
      String csrfName,
      String csrfToken,
      Map<String, String> stats) {}

  private static final String STYLE =
      """
      :root { --ink:#1d2733; --muted:#5b6b7c; --line:#e3e8ee; --brand:#2f6fde; --ok:#1f9d55;
              --bad:#c0392b; --card:#ffffff; --bg:#f4f6f9; }
      * { box-sizing: border-box; }
      body { margin:0; font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
             color:var(--ink); background:var(--bg); }
      header { background:linear-gradient(135deg,#1d3b6e,#2f6fde); color:#fff; padding:28px 24px; }
      header h1 { margin:0; font-size:26px; }
      header p { margin:6px 0 0; opacity:.85; }
      main { max-width:980px; margin:24px auto; padding:0 16px; display:grid; gap:16px;
             grid-template-columns:repeat(auto-fit,minmax(280px,1fr)); }
      section { background:var(--card); border:1px solid var(--line); border-radius:12px;
                padding:20px; box-shadow:0 1px 2px rgba(0,0,0,.04); }
      h2 { margin:0 0 12px; font-size:15px; text-transform:uppercase; letter-spacing:.06em;
           color:var(--muted); }
      .big { font-size:56px; font-weight:700; line-height:1; color:var(--brand); }
      dl { display:grid; grid-template-columns:auto 1fr; gap:6px 12px; margin:0; }
      dt { color:var(--muted); } dd { margin:0; font-variant-numeric:tabular-nums; text-align:right; }
      input { width:100%; padding:9px 10px; margin:4px 0 10px; border:1px solid var(--line);
              border-radius:8px; font:inherit; }
      button { background:var(--brand); color:#fff; border:0; border-radius:8px; padding:9px 16px;
               font:inherit; cursor:pointer; }
      .hint { color:var(--muted); font-size:14px; }
      .error { color:var(--bad); }
      .ok { color:var(--ok); }
      footer { text-align:center; color:var(--muted); font-size:14px; margin:8px 0 28px; }
      code { background:#eef2f7; padding:1px 5px; border-radius:4px; }
      """;

  private static final String SCRIPT =
      """
      async function refresh() {
        try {
          const r = await fetch('stats', {credentials: 'same-origin'});
          const s = await r.json();
          for (const [k, v] of Object.entries(s)) {
            const el = document.getElementById('stat-' + k);
            if (el) el.textContent = v;
          }
        } catch (e) { /* the server is restarting: try again at the next tick */ }
      }
      setInterval(refresh, 2000);
      """;

  static String render(View v) {
    StringBuilder html = new StringBuilder(4096);
    html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>MemFileStore demo</title><style>")
        .append(STYLE)
        .append("</style></head><body>")
        .append("<header><h1>MemFileStore demo</h1>")
        .append("<p>Sessions that are bounded, expire on time and survive restarts and crashes.")
        .append(" Stop the server, start it again: you are still here.</p></header><main>");

    html.append("<section id=\"visits\"><h2>Your session</h2>")
        .append("<div class=\"big\" id=\"visit-count\">")
        .append(v.visits())
        .append("</div><p>")
        .append(v.visits() == 1 ? "visit" : "visits")
        .append(" in this session</p><dl>")
        .append("<dt>Started</dt><dd>")
        .append(v.created())
        .append("</dd><dt>Expires</dt><dd id=\"expires\">")
        .append(v.expires())
        .append("</dd><dt>Idle timeout</dt><dd>")
        .append(v.timeoutMinutes())
        .append(" min</dd></dl></section>");

    html.append("<section id=\"account\"><h2>Account</h2>");
    if (v.user() != null) {
      html.append("<p class=\"ok\" id=\"signed-in\">Signed in as <strong>")
          .append(v.user())
          .append("</strong></p><p class=\"hint\">Restart the server and reload: still signed")
          .append(" in.</p><form method=\"post\" action=\"logout\">")
          .append(csrf(v))
          .append("<button type=\"submit\">Sign out</button></form>");
    } else {
      if (v.loginFailed()) {
        html.append("<p class=\"error\">Wrong user name or password.</p>");
      }
      html.append("<form method=\"post\" action=\"login\" id=\"login\">")
          .append(csrf(v))
          .append("<label>User <input name=\"username\" autocomplete=\"username\"></label>")
          .append("<label>Password <input name=\"password\" type=\"password\"")
          .append(" autocomplete=\"current-password\"></label>")
          .append("<button type=\"submit\">Sign in</button></form>")
          .append("<p class=\"hint\">Demo user <code>")
          .append(DemoApplication.DEMO_USER)
          .append("</code>, password <code>")
          .append(DemoApplication.DEMO_PASSWORD)
          .append("</code></p>");
    }
    html.append("</section>");

    Map<String, String> s = v.stats();
    html.append("<section id=\"store\"><h2>Session store</h2><dl>");
    stat(html, "Sessions in memory", "sessions", s);
    stat(html, "Bound (max)", "max", s);
    stat(html, "Evicted", "evictions", s);
    stat(html, "Expired", "expirations", s);
    stat(html, "Durability", "durability", s);
    stat(html, "Last snapshot", "lastSnapshot", s);
    stat(html, "Snapshot size", "lastSnapshotSize", s);
    stat(html, "Journal size", "journalSize", s);
    stat(html, "Persistence", "health", s);
    html.append("</dl></section></main>")
        .append("<footer>Sessions are kept in <code>data/sessions.json</code> and its journal.")
        .append(" Inspect them with the <code>memfilestore</code> command.</footer>")
        .append("<script>")
        .append(SCRIPT)
        .append("</script></body></html>");
    return html.toString();
  }

  private static String csrf(View v) {
    return "<input type=\"hidden\" name=\"" + v.csrfName() + "\" value=\"" + v.csrfToken() + "\">";
  }

  private static void stat(StringBuilder html, String label, String key, Map<String, String> s) {
    html.append("<dt>")
        .append(label)
        .append("</dt><dd id=\"stat-")
        .append(key)
        .append("\">")
        .append(org.springframework.web.util.HtmlUtils.htmlEscape(s.getOrDefault(key, "")))
        .append("</dd>");
  }
}
