// The villager page's words (zh-CN): statuses, timeline events, and errors in plain language.

export const STATUS = {
  submitted: '已提交', assigned: '已派单', accepted: '处理中', returned: '重新派单中',
  resolved: '已处理，待您确认', closed: '已办结', rejected: '未受理',
};

export const EVENT = {
  submitted: '您提交了上报', assigned: '已派给负责人', dispatched: '等待分派', accepted: '工作人员已接单',
  transferred: '已转交', returned: '退回重新派单', escalated: '已上报上级处理', urged: '已催办',
  resolved: '已处理完成', confirmed: '您已确认解决', rated: '您已评价', reopened: '您要求重新办理',
  rejected: '未予受理', commented: '留言', auto_confirmed: '超时自动确认', followed: '有人也遇到了',
  overdue: '已超时，正在督办', supervised: '已督办',
};

/** The draft states of the outbox, as the villager reads them. */
export const DRAFT = {
  queued: '等待发送', uploading: '正在上传照片', submitting: '正在提交', waiting: '网络不好，稍后自动重试',
  failed: '未能上报',
};

const ERRORS = {
  network: '网络不好，请稍后再试', invalid_code: '验证码不对或已过期', invalid_credentials: '验证码不对或已过期',
  too_many_attempts: '尝试太多次了，请稍后再试', too_many_requests: '请求太频繁，请稍后再试',
  invalid_field: '填写的内容有误', unsupported_media_type: '照片格式不支持，请换一张',
  payload_too_large: '照片太大了', corrupt_image: '照片已损坏，请换一张', photo_lost: '照片已丢失，请重新选择',
  invalid_status: '这件事的状态已经变了，请刷新', reopen_window_passed: '已超过可重新办理的期限',
  already_rated: '已经评价过了', forbidden: '没有权限', not_found: '找不到这条上报',
};

/** A sentence for an error of the client (ApiError, NetworkError or a draft's `error`). */
export function explain(e) {
  if (!e) return '';
  if (e.name === 'NetworkError' || e.code === 'network') return ERRORS.network;
  return ERRORS[e.code] || e.message || '出错了，请稍后再试';
}

/** `2026-12-07T01:30:00Z` → `12-07 09:30` (Beijing time). */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString('zh-CN', {
    timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }) : '';
}

/** `123.4` → `约 120 米`. */
export function distance(m) {
  return m < 1000 ? `约 ${Math.max(1, Math.round(m / 10) * 10)} 米` : `约 ${(m / 1000).toFixed(1)} 公里`;
}
