// How figures and names read in the console (zh-CN, Beijing time).

const TZ = 'Asia/Shanghai';

/** `0.953` → `95.3%`; null → `—`. */
export function pct(x) {
  return x === null || x === undefined ? '—' : (x * 100).toFixed(1) + '%';
}

/** A number or `—`. */
export function num(x) {
  return x === null || x === undefined ? '—' : String(x);
}

/** An RFC 3339 time as `12-06 09:30` in Beijing time. */
export function time(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('zh-CN', {
    timeZone: TZ, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
}

/** How long ago, in words: `3 分钟`, `2 小时`, `4 天`. */
export function age(iso, now = Date.now()) {
  const min = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60000));
  if (min < 60) return min + ' 分钟';
  if (min < 48 * 60) return Math.round(min / 60) + ' 小时';
  return Math.round(min / 1440) + ' 天';
}

/** The start of today in Beijing time, as RFC 3339. */
export function todayStart(now = new Date()) {
  const day = now.toLocaleDateString('sv-SE', { timeZone: TZ });
  return day + 'T00:00:00+08:00';
}

/** The start of the day `n` days before today in Beijing time. */
export function daysAgo(n, now = new Date()) {
  return todayStart(new Date(now.getTime() - n * 86400000));
}

export const STATUS = {
  submitted: '待分派', assigned: '待接单', accepted: '办理中', resolved: '待确认',
  closed: '已办结', returned: '已退回', rejected: '已驳回',
};

export const ACTION = {
  accept: '接单', transfer: '转办', return: '退回', escalate: '上报升级', urge: '催办',
  supervise: '督办', supervise_reply: '督办回复', resolve: '办结', confirm: '确认',
  rate: '评价', reopen: '重新办理', reject: '驳回', comment: '留言', follow: '关注',
  schedule_session: '安排调解', record_session: '调解记录', conclude: '调解结案',
  follow_up: '回访',
};

export const EVENT = {
  submitted: '上报', assigned: '分派', dispatched: '待分派', accepted: '接单',
  transferred: '转办', returned: '退回', escalated: '上报升级', urged: '催办',
  supervised: '督办', replied: '督办回复', resolved: '办结', confirmed: '确认',
  rated: '评价', auto_confirmed: '自动确认', reopened: '重新办理', rejected: '驳回',
  commented: '留言', overdue: '超时', session_scheduled: '安排调解',
  session_recorded: '调解记录', concluded: '调解结案', followed_up: '回访',
};

/** The light of a report as a CSS class. */
export function lightClass(light) {
  return 'light ' + (light || 'none');
}
