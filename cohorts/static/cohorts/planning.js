// The new cohort form: when the coordinator picks the date of the first
// session, the sessions below are laid out from the course plan (as
// cohorts/schedule.py plans them), so they can be checked and changed
// before the first save. Rows the coordinator has changed are left alone.
// Wagtail puts a form's scripts in the page head: wait for the form.
const planSessions = () => {
  const date = document.querySelector("[data-session-plan]");
  const forms = document.getElementById("id_sessions-FORMS");
  const add = document.getElementById("id_sessions-ADD");
  if (!date || !forms || !add) return;
  const plan = JSON.parse(date.dataset.sessionPlan);
  const field = (prefix, name) => document.getElementById(`id_${prefix}-${name}`);
  const pad = (number) => String(number).padStart(2, "0");
  const local = (moment) =>
    `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}` +
    ` ${pad(moment.getHours())}:${pad(moment.getMinutes())}`;
  // What each row was last filled with, to tell a planned row from one the
  // coordinator has edited.
  const filled = new Map();

  const rows = () =>
    [...forms.querySelectorAll(":scope > [data-inline-panel-child]")]
      .map((child) => child.id.replace("inline_child_", ""))
      .filter((prefix) => field(prefix, "DELETE")?.value !== "1");

  const values = (prefix) =>
    ["title", "start", "end", "agenda"].map((name) => field(prefix, name)?.value ?? "");

  const untouched = (prefix) => {
    const current = values(prefix);
    const last = filled.get(prefix);
    return last ? last.every((value, i) => value === current[i]) : current.every((v) => !v);
  };

  const fill = (prefix, session, first) => {
    const [hours, minutes] = session.start.split(":").map(Number);
    const start = new Date(first);
    start.setDate(start.getDate() + session.days);
    start.setHours(hours, minutes, 0, 0);
    const end = new Date(start.getTime() + session.minutes * 60000);
    const planned = [session.title, local(start), local(end), session.agenda];
    ["title", "start", "end", "agenda"].forEach((name, i) => {
      const input = field(prefix, name);
      if (input) {
        input.value = planned[i];
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    filled.set(prefix, planned);
  };

  const replan = () => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.value.trim());
    if (!match) return;
    const first = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    let current = rows();
    if (!current.every(untouched)) return;
    for (let tries = plan.length; current.length < plan.length && tries > 0; tries--) {
      add.click();
      current = rows();
    }
    if (current.length < plan.length) return;
    plan.forEach((session, index) => fill(current[index], session, first));
  };

  // Rows the server planned from the address's date count as planned.
  rows().forEach((prefix) => filled.set(prefix, values(prefix)));
  date.addEventListener("change", replan);
};

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", planSessions);
} else {
  planSessions();
}
