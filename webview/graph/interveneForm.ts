// The intervention form in a feature's or a supernode's details: Ablate, Amplify ×k, Set value or Steer the node (or
// every pinned node, or the supernode's members), where, in which mode, with an optional continuation. Checks what
// was typed before anything is sent; the host answers with a result or a sentence saying what went wrong.
import { select, type Selection } from 'd3';
import type { InterventionOpJson } from '../../src/protocol/graph-json';
import { MAX_CONTINUATION, type FromWebview } from '../../src/protocol/messages';
import { membersOf } from './groups';
import type { GraphModel } from './model';
import { labelOf } from './scene';
import type { InterventionForm, InterventionKind, Store, ViewState } from './store';

export type InterveneRequest = Omit<FromWebview.Intervene, 'type' | 'traceId'>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- d3 selections are invariant in their element type
type Section = Selection<any, unknown, null, undefined>;

/** What the form changes: node ids and a name for the result's title. */
export interface Subject {
  readonly nodeIds: string[];
  readonly name: string;
}

const KINDS: { kind: InterventionKind; label: string; amount?: string; fallback?: string }[] = [
  { kind: 'ablate', label: 'Ablate (× 0)' },
  { kind: 'amplify', label: 'Amplify × k', amount: 'factor k', fallback: '2' },
  { kind: 'set', label: 'Set value', amount: 'activation', fallback: '0' },
  { kind: 'steer', label: 'Steer', amount: 'strength', fallback: '5' },
];
const WHERE = [
  { value: 'node', label: "at each node's position" },
  { value: 'all', label: 'at every position' },
  { value: 'generated', label: 'on generated tokens' },
] as const;
const MODES = [
  { value: 'free', label: 'free: the real model plus the change' },
  { value: 'frozen', label: 'frozen attention patterns' },
  { value: 'constrained', label: 'constrained: direct effects only' },
] as const;

/** The nodes the form would change for the clicked item, or null when it is not something that can be changed. */
export function subjectOf(model: GraphModel, s: Readonly<ViewState>): Subject | null {
  const id = s.clickedId;
  if (id?.startsWith('sn:')) {
    const group = s.supernodes[Number(id.slice(3))];
    return group ? { nodeIds: membersOf(s, id), name: group[0] } : null;
  }
  const i = id === null ? undefined : model.byId.get(id);
  const node = i === undefined ? undefined : model.nodes[i];
  if (!node || (node.kind !== 'feature' && node.kind !== 'attention')) return null;
  if (s.interventionForm.subject === 'pinned' && s.pinnedIds.length > 0) {
    const ids = s.pinnedIds.includes(node.id) ? s.pinnedIds : [node.id, ...s.pinnedIds];
    return { nodeIds: [...ids], name: `${ids.length} pinned nodes` };
  }
  return { nodeIds: [node.id], name: labelOf(node, s.clerps) };
}

/** The form as a request, or a sentence saying what to fix. */
export function buildRequest(form: InterventionForm, subject: Subject, requestId: string): { request: InterveneRequest } | { error: string } {
  const spec = KINDS.find((k) => k.kind === form.kind)!;
  const typed = form.amount.trim() === '' ? spec.fallback ?? '0' : form.amount.trim();
  const amount = Number(typed);
  if (spec.amount && !Number.isFinite(amount)) return { error: `The ${spec.amount} must be a number, not "${form.amount.trim()}".` };
  const generate = Number(form.generate.trim() || '0');
  if (!Number.isInteger(generate) || generate < 0 || generate > MAX_CONTINUATION) {
    return { error: `The continuation must be a whole number of tokens from 0 to ${MAX_CONTINUATION}, not "${form.generate.trim()}".` };
  }
  if (form.where === 'generated' && generate === 0) return { error: 'Changing generated tokens needs a continuation: ask for a few tokens.' };
  if (subject.nodeIds.length === 0) return { error: 'Choose at least one feature to change.' };
  const op: InterventionOpJson =
    form.kind === 'ablate' ? { kind: 'scale', factor: 0 }
      : form.kind === 'amplify' ? { kind: 'scale', factor: amount }
        : form.kind === 'set' ? { kind: 'set', value: amount } : { kind: 'steer', strength: amount };
  const verb = form.kind === 'ablate' ? `Ablate ${subject.name}`
    : form.kind === 'amplify' ? `Amplify ${subject.name} × ${amount}`
      : form.kind === 'set' ? `Set ${subject.name} = ${amount}` : `Steer ${subject.name} by ${amount}`;
  const where = form.where === 'all' ? ' at every position' : form.where === 'generated' ? ' on generated tokens' : '';
  return { request: { requestId, nodeIds: subject.nodeIds, op, where: form.where, mode: form.mode, generate, title: `${verb}${where}` } };
}

export interface FormHooks {
  readonly intervene: (request: InterveneRequest) => void;
  readonly cancel: (requestId: string) => void;
}

let sent = 0;

/** Appends the form to a details section (for a feature or a supernode). */
export function renderInterveneForm(root: Section, model: GraphModel, store: Store, hooks: FormHooks): void {
  const s = store.get();
  const subject = subjectOf(model, s);
  if (!subject) return;
  const section = root.append('section').attr('class', 'intervene').attr('aria-label', 'Intervene');
  section.append('h3').text('Intervene');
  const setForm = (patch: Partial<InterventionForm>) => store.set({ interventionForm: { ...store.get().interventionForm, ...patch }, interventionError: null });

  const isSupernode = s.clickedId?.startsWith('sn:');
  const otherPins = s.pinnedIds.filter((id) => id !== s.clickedId).length;
  if (!isSupernode && otherPins > 0) {
    const pinned = s.pinnedIds.includes(s.clickedId!) ? s.pinnedIds.length : s.pinnedIds.length + 1;
    dropdown(section, 'iv-subject', 'Change', [{ value: 'node', label: 'this feature' }, { value: 'pinned', label: `it and the pinned nodes (${pinned})` }], s.interventionForm.subject,
      (v) => { setForm({ subject: v as InterventionForm['subject'] }); });
  } else {
    section.append('p').attr('class', 'iv-subject muted').text(isSupernode ? `Changes the ${subject.nodeIds.length} members of this supernode.` : 'Changes this feature.');
  }

  const row = section.append('div').attr('class', 'iv-row');
  const form = s.interventionForm;
  const spec = () => KINDS.find((k) => k.kind === store.get().interventionForm.kind)!;
  let amount: Section | undefined;
  const showAmount = () => {
    const k = spec();
    amount?.attr('hidden', k.amount ? null : '').attr('placeholder', k.fallback ?? '').attr('aria-label', k.amount ?? 'amount');
  };
  dropdown(row, 'iv-kind', 'Operation', KINDS.map((k) => ({ value: k.kind, label: k.label })), form.kind, (v) => {
    setForm({ kind: v as InterventionKind, amount: '' });
    amount?.property('value', '');
    showAmount();
  }, true);
  amount = row.append('vscode-text-field').attr('class', 'iv-amount').property('value', form.amount)
    .on('input', (event: Event) => setForm({ amount: (event.target as HTMLInputElement).value ?? '' }));
  showAmount();

  dropdown(section, 'iv-where', 'Where', WHERE.map((w) => ({ ...w })), form.where, (v) => setForm({ where: v as InterventionForm['where'] }));
  dropdown(section, 'iv-mode', 'Mode', MODES.map((m) => ({ ...m })), form.mode, (v) => setForm({ mode: v as InterventionForm['mode'] }));
  const cont = section.append('label').attr('class', 'iv-generate-row');
  cont.append('span').text('Continue for');
  cont.append('vscode-text-field').attr('class', 'iv-generate').attr('size', 4).attr('aria-label', 'Continuation length in tokens').property('value', form.generate)
    .on('input', (event: Event) => setForm({ generate: (event.target as HTMLInputElement).value ?? '' }));
  cont.append('span').attr('class', 'muted').text('tokens');

  const actions = section.append('div').attr('class', 'actions');
  actions.append('vscode-button').attr('class', 'iv-run').text('Run').on('click', () => {
    const now = store.get();
    if (now.intervening) return;
    const target = subjectOf(model, now);
    if (!target) return;
    const built = buildRequest(now.interventionForm, target, `iv-${Date.now().toString(36)}-${++sent}`);
    if ('error' in built) {
      store.set({ interventionError: built.error });
      return;
    }
    store.set({ intervening: { requestId: built.request.requestId, title: built.request.title }, interventionError: null });
    hooks.intervene(built.request);
  });
  actions.append('vscode-button').attr('class', 'iv-cancel').attr('appearance', 'secondary').text('Cancel').on('click', () => {
    const running = store.get().intervening;
    if (running) hooks.cancel(running.requestId);
  });
  section.append('p').attr('class', 'iv-status');
  updateInterveneStatus(root.node() as HTMLElement, s);
}

/** Running, failed or idle: the status line and which buttons apply (called when only that changed). */
export function updateInterveneStatus(el: HTMLElement, s: Readonly<ViewState>): void {
  const section = select(el).select<HTMLElement>('section.intervene');
  if (section.empty()) return;
  section.select('.iv-run').attr('disabled', s.intervening ? '' : null);
  section.select('.iv-cancel').attr('hidden', s.intervening ? null : '');
  const status = section.select('.iv-status');
  if (s.intervening) status.attr('class', 'iv-status muted').attr('role', 'status').text(`Running “${s.intervening.title}”…`);
  else if (s.interventionError) status.attr('class', 'iv-status error').attr('role', 'alert').text(s.interventionError);
  else status.attr('class', 'iv-status').attr('role', null).text('');
}

function dropdown(parent: Section, cls: string, label: string, options: { value: string; label: string }[], value: string, onChange: (v: string) => void, bare = false): void {
  const wrap = bare ? parent : parent.append('label').attr('class', `iv-field ${cls}-field`);
  if (!bare) wrap.append('span').attr('class', 'iv-label muted').text(label);
  const dd = wrap.append('vscode-dropdown').attr('class', cls).attr('aria-label', label);
  dd.selectAll('vscode-option').data(options).join('vscode-option').attr('value', (o) => o.value).attr('selected', (o) => (o.value === value ? '' : null)).text((o) => o.label);
  dd.property('value', value);
  dd.on('change', (event: Event) => onChange((event.target as HTMLSelectElement).value));
}
