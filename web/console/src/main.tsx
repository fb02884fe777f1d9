/**
 * The web console (网页控制台, issue 16): play any member in any group of the console platform.
 * Left the organisation tree (a drawer on a phone), in the middle the selected group's chat, on top the
 * speaker (说话人) and the drill button. New rows of every group arrive over one EventSource
 * (`/console/v1/events`); the tree's unseen counts are the server's bot-message counts (`/summary`, then
 * live) minus what this browser has seen (localStorage).
 *
 * For tests the page marks `body[data-ready="1"]` once the tree is loaded and the live stream asked for
 * (`"error"` when loading failed), and `data-conversation-id` with the open group.
 */
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, newMsgId, withToken, wholeChat, type ChatMessage, type Command, type Member, type Org, type OutgoingAttachment } from './api.ts';
import { Chat, setTimeZone } from './chat.tsx';
import { Composer } from './composer.tsx';
import { loadSeen, saveSeen, unseenOf } from './seen.ts';
import { Tree } from './tree.tsx';
import './style.css';

type Live = 'connecting' | 'open' | 'closed';

/** What a refusal means to the person at the page (the server's reason kept, a Chinese lead first). */
function explain(err: unknown): string {
  if (!(err instanceof ApiError)) return `出错了：${(err as Error)?.message ?? String(err)}`;
  const zh: Record<string, string> = {
    unauthorized: '令牌无效或缺失：请用带 ?token= 的地址打开控制台',
    drill_running: '演练正在进行中，请等它结束',
    attachment_too_large: '图片太大（每张最多 5 MB）',
    unsupported_attachment: '只能发送 png/jpeg/gif/webp 图片',
    bad_attachment: '图片无法读取',
    text_too_long: '消息太长（最多 4000 字）',
    unknown_message: '这条消息已不存在',
    no_such_button: '这条消息没有这个按钮',
    network: '连不上 gridrelay，请检查它是否在运行',
  };
  const lead = zh[err.error] ?? (err.status === 404 ? '找不到' : err.status === 503 ? 'gridrelay 暂不可用' : '请求被拒绝');
  return `${lead}（${err.message}）`;
}

function App() {
  const [org, setOrg] = useState<Org | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [loadingChat, setLoadingChat] = useState(false);
  const [members, setMembers] = useState<Member[]>([]);
  const [speakers, setSpeakers] = useState<Record<string, string>>({});
  const [commands, setCommands] = useState<Command[]>([]);
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [seen, setSeen] = useState<Record<string, number>>(loadSeen);
  const [live, setLive] = useState<Live>('connecting');
  const [drawer, setDrawer] = useState(false);
  const [toasts, setToasts] = useState<{ id: number; text: string; kind: 'error' | 'info' }[]>([]);
  const [drill, setDrill] = useState<{ running: boolean; step?: string }>({ running: false });
  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selected;

  const toast = useCallback((text: string, kind: 'error' | 'info' = 'error') => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t.slice(-3), { id, text, kind }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 8000 : 4000);
  }, []);

  // the organisation, the counts, then the live stream from the counts' last seq
  useEffect(() => {
    let es: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    /** The highest seq the stream delivered: a reconnect resumes after it, and nothing is counted twice. */
    let lastSeq = 0;
    const connect = () => {
      if (stopped) return;
      setLive('connecting');
      es = new EventSource(withToken(`/console/v1/events?after=${lastSeq}`));
      es.onopen = () => setLive('open');
      es.onerror = () => {
        // the browser retries a dropped stream itself (with Last-Event-ID); a refused one is closed: retry in 3 s
        if (es?.readyState !== EventSource.CLOSED) return setLive('connecting');
        setLive('closed');
        es.close();
        retry = setTimeout(connect, 3000);
      };
      es.onmessage = (ev: MessageEvent<string>) => {
        let m: ChatMessage;
        try {
          m = JSON.parse(ev.data) as ChatMessage;
        } catch {
          return;
        }
        if (m.seq <= lastSeq) return;
        lastSeq = m.seq;
        if (m.from === 'bot') setCounts((c) => ({ ...c, [m.conversationId]: (c[m.conversationId] ?? 0) + 1 }));
        if (m.conversationId === selectedRef.current) setMessages((ms) => merge(ms, [m]));
      };
    };
    (async () => {
      try {
        const [o, summary] = await Promise.all([api.org(), api.summary()]);
        if (stopped) return;
        setTimeZone(o.timeZone);
        setOrg(o);
        setCounts(Object.fromEntries(summary.conversations.map((c) => [c.conversationId, c.botMessages])));
        document.title = `${o.county} · gridrelay 网页控制台`;
        const fromHash = decodeURIComponent(location.hash.slice(1));
        const first = o.groups.find((g) => g.conversationId === fromHash) ?? o.groups.find((g) => o.units.find((u) => u.unitId === g.unitId)?.kind === 'county');
        if (first) setSelected(first.conversationId);
        lastSeq = summary.lastSeq;
        connect();
        // nothing is missed while the stream opens: it starts after the summary's last seq
        document.body.dataset.ready = '1';
      } catch (err) {
        setFatal(explain(err));
        document.body.dataset.ready = 'error';
      }
    })();
    return () => {
      stopped = true;
      clearTimeout(retry);
      es?.close();
    };
  }, []);

  // a link to another group of this page (`#<conversationId>`) opens it
  useEffect(() => {
    if (!org) return;
    const onHash = () => {
      const id = decodeURIComponent(location.hash.slice(1));
      if (org.groups.some((g) => g.conversationId === id)) setSelected(id);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, [org]);

  // the selected group: its chat and its members
  useEffect(() => {
    if (!selected) return;
    let stale = false;
    setMessages([]);
    setLoadingChat(true);
    setCommands([]);
    setMembers([]);
    history.replaceState(null, '', `${location.pathname}${location.search}#${encodeURIComponent(selected)}`);
    document.body.dataset.conversationId = selected;
    wholeChat(selected)
      .then((ms) => !stale && setMessages((live) => merge(ms, live)))
      .catch((err) => !stale && toast(explain(err)))
      .finally(() => !stale && setLoadingChat(false));
    api
      .members(selected)
      .then((ms) => {
        if (stale) return;
        setMembers(ms);
        setSpeakers((s) => (s[selected] && ms.some((m) => m.memberId === s[selected]) ? s : { ...s, [selected]: ms[0]?.memberId ?? '' }));
      })
      .catch((err) => !stale && toast(explain(err)));
    return () => {
      stale = true;
    };
  }, [selected]);

  const speakerId = selected ? speakers[selected] || null : null;

  // the speaker's commands in this group
  useEffect(() => {
    if (!selected || !speakerId) return;
    let stale = false;
    api
      .commands(selected, speakerId)
      .then((cs) => !stale && setCommands(cs))
      .catch(() => !stale && setCommands([]));
    return () => {
      stale = true;
    };
  }, [selected, speakerId]);

  // what is shown in the open group counts as seen
  useEffect(() => {
    if (!selected) return;
    const n = counts[selected] ?? 0;
    if (seen[selected] === n) return;
    const next = { ...seen, [selected]: n };
    setSeen(next);
    saveSeen(next);
  }, [selected, counts]);

  // while a drill runs: its step, every 3 s
  useEffect(() => {
    if (!drill.running) return;
    const t = setInterval(() => {
      api.drill().then(setDrill, () => undefined);
    }, 3000);
    return () => clearInterval(t);
  }, [drill.running]);

  const unseen = useCallback((id: string) => (id === selected ? 0 : unseenOf(counts[id] ?? 0, seen[id])), [counts, seen, selected]);

  const onSend = async (text: string, attachments: OutgoingAttachment[]) => {
    if (!selected || !speakerId) return false;
    try {
      await api.send({ conversationId: selected, senderId: speakerId, text, msgId: newMsgId(), ...(attachments.length ? { attachments } : {}) });
      return true;
    } catch (err) {
      toast(explain(err));
      return false;
    }
  };

  const onPress = (m: ChatMessage, label: string) => {
    if (!selected || !speakerId) return;
    api.press({ conversationId: selected, senderId: speakerId, seq: m.seq, label }).catch((err) => toast(explain(err)));
  };

  const startDrill = async () => {
    try {
      await api.startDrill();
      toast('演练已开始：各群将陆续收到标有【演练】的消息', 'info');
      setDrill({ running: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        const now = await api.drill().catch(() => ({ running: true, step: undefined }));
        setDrill(now);
        toast(`演练正在进行中${now.step ? `（${now.step}）` : ''}，请等它结束后再开始`, 'info');
      } else toast(explain(err));
    }
  };

  const group = useMemo(() => org?.groups.find((g) => g.conversationId === selected) ?? null, [org, selected]);

  if (fatal) {
    return (
      <div class="fatal">
        <h1>网页控制台无法加载</h1>
        <p>{fatal}</p>
      </div>
    );
  }
  if (!org) return <div class="fatal">加载中…</div>;

  return (
    <div class={`layout${drawer ? ' drawer-open' : ''}`}>
      <aside class="side">
        <div class="side-head">
          <b>{org.county}</b>
          <span class={`live ${live}`} title={live === 'open' ? '实时连接正常' : live === 'connecting' ? '正在连接…' : '实时连接已断开，请刷新'} />
        </div>
        <Tree
          org={org}
          selected={selected}
          unseen={unseen}
          onSelect={(id) => {
            setSelected(id);
            setDrawer(false);
          }}
        />
      </aside>
      <div class="scrim" onClick={() => setDrawer(false)} />
      <main class="main">
        <header class="top">
          <button class="menu-btn" aria-label="群组" onClick={() => setDrawer(true)}>
            ☰
          </button>
          <h1 class="title" title={group?.title}>
            {group?.title ?? '选择一个群'}
          </h1>
          <label class="speaker">
            <span>说话人</span>
            <select
              value={speakerId ?? ''}
              onChange={(e) => selected && setSpeakers((s) => ({ ...s, [selected]: (e.target as HTMLSelectElement).value }))}
            >
              {members.map((m) => (
                <option key={m.memberId} value={m.memberId}>
                  {m.name}（{m.roleZh}）
                </option>
              ))}
            </select>
          </label>
          <button class="drill" onClick={() => void startDrill()} title={drill.step}>
            {drill.running ? `演练中${drill.step ? `：${drill.step}` : ''}` : '开始演练'}
          </button>
        </header>
        <Chat conversationId={selected} messages={messages} speakerId={speakerId} loading={loadingChat} onPress={onPress} />
        <Composer commands={commands} disabled={!selected || !speakerId} onSend={onSend} onError={(t) => toast(t)} />
      </main>
      <div class="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} class={`toast ${t.kind}`}>
            {t.text}
          </div>
        ))}
      </div>
    </div>
  );
}

/** `a` and `b` as one list in seq order, each seq once. */
function merge(a: ChatMessage[], b: ChatMessage[]): ChatMessage[] {
  if (b.length === 0) return a;
  const last = a[a.length - 1]?.seq ?? 0;
  if (b.every((m, i) => m.seq > last && (i === 0 || m.seq > b[i - 1]!.seq))) return [...a, ...b];
  const bySeq = new Map<number, ChatMessage>();
  for (const m of [...a, ...b]) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

render(<App />, document.getElementById('app')!);
