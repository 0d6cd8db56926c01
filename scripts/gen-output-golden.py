#!/usr/bin/python3
"""Generate golden fixtures for src/output/ from the real cliff 4.0.0 formatters.

Every case is pushed through a tiny cliff Lister / ShowOne command (the same
code path python-openstackclient 6.0 uses: argparse options from the installed
formatter plugins, -c selection, --sort-column, then the formatter's
emit_list / emit_one) and the exact text it writes to stdout is stored next to
the input in fixtures/output/<group>.json.

Run with Debian's interpreter (python3-cliff, python3-osc-lib installed):

    /usr/bin/python3 scripts/gen-output-golden.py            # fixtures
    /usr/bin/python3 scripts/gen-output-golden.py --wcwidth  # also src/output/wcwidth-tables.ts

Cell encoding in the fixtures: plain JSON scalars are passed as they are;
{"$list": [...]} is an osc ListColumn and {"$dict": {...}} an osc DictColumn.
"""

import copy
import importlib.metadata
import io
import json
import logging
import os
import random
import sys

import cliff.utils
from cliff import lister, show
from osc_lib.cli import format_columns

# The sorting cases make cliff log "Could not sort on field ..." on purpose.
logging.getLogger('cliff.lister').setLevel(logging.ERROR)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'fixtures', 'output')

# ---------------------------------------------------------------- harness


def to_python(cell):
    if isinstance(cell, dict) and '$list' in cell:
        return format_columns.ListColumn(copy.deepcopy(cell["$list"]))
    if isinstance(cell, dict) and '$dict' in cell:
        return format_columns.DictColumn(copy.deepcopy(cell["$dict"]))
    return cell


class FakeApp:
    def __init__(self):
        self.stdout = io.StringIO()


class GoldenLister(lister.Lister):
    """A Lister returning the case's columns and rows (as a generator, like osc)."""

    case = None

    def take_action(self, parsed_args):
        rows = [[to_python(c) for c in row] for row in self.case['rows']]
        return tuple(self.case['columns']), (r for r in rows)


class GoldenShow(show.ShowOne):
    """A ShowOne returning the case's fields and values."""

    case = None

    def take_action(self, parsed_args):
        return (tuple(self.case['fields']),
                tuple(to_python(c) for c in self.case['values']))


def argv_for(opts, kind):
    argv = ['-f', opts.get('format', 'table')]
    for c in opts.get('columns', []):
        argv += ['-c', c]
    if opts.get('noindent'):
        argv.append('--noindent')
    if 'maxWidth' in opts:
        argv += ['--max-width', str(opts['maxWidth'])]
    if opts.get('fitWidth'):
        argv.append('--fit-width')
    if opts.get('printEmpty'):
        argv.append('--print-empty')
    for c in opts.get('sortColumns', []):
        argv += ['--sort-column', c]
    if opts.get('sortDirection') == 'asc':
        argv.append('--sort-ascending')
    if opts.get('sortDirection') == 'desc':
        argv.append('--sort-descending')
    if 'quote' in opts:
        argv += ['--quote', opts['quote']]
    if 'prefix' in opts:
        argv += ['--prefix', opts['prefix']]
    return argv


def run_case(case):
    kind = case['kind']
    opts = case.get('opts', {})
    env = opts.get('env', {})
    saved_env = {k: os.environ.get(k) for k in env}
    saved_tw = cliff.utils.terminal_width
    os.environ.update({k: v for k, v in env.items() if v is not None})
    # cliff asks os.get_terminal_size(); the case says what the terminal is.
    cliff.utils.terminal_width = lambda stdout: opts.get('terminalWidth')
    try:
        app = FakeApp()
        cls = GoldenLister if kind == 'list' else GoldenShow
        cls.case = case
        cmd = cls(app, None)
        parser = cmd.get_parser('img')
        parsed = parser.parse_args(argv_for(opts, kind))
        try:
            cmd.run(parsed)
        except Exception as e:  # cliff's App would print str(e)
            return {'error': str(e), 'errorType': type(e).__name__}
        return {'expected': app.stdout.getvalue()}
    finally:
        cliff.utils.terminal_width = saved_tw
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# ---------------------------------------------------------------- data

LIST_COLS = ['ID', 'Name', 'Status']
LIST_ROWS = [  # seeds/000: openstack image list
    ['535c0cb4-d1f1-432a-a61e-fe6e81f32db8', 'Ubuntu18', 'active'],
    ['f600dc9b-821b-4c70-8968-666108d3f72a', 'cirros', 'active'],
]

LONG_COLS = ['ID', 'Name', 'Disk Format', 'Container Format', 'Size',
             'Checksum', 'Status', 'Visibility', 'Protected', 'Project',
             'Tags']
OWNER = '1667a274e14647ec8f2c0dd593e661de'
LONG_ROWS = [  # seeds/004: GET /v2/images, plus the queued image
    ['88b19636-37ce-4c06-9025-1972a856dcbc', 'cirros-multiple-store-location',
     'qcow2', 'bare', 13267968, 'ee1eca47dc88f4879d8a229cc70a07c6', 'active',
     'public', False, OWNER, {'$list': []}],
    ['615af8b9-9c04-4f0a-94d7-e1ed4516e247', 'cirros-test-upload-image',
     'qcow2', 'bare', 13267968, 'f8ab98ff5e73ebab884d80c9dc9c7290', 'active',
     'public', False, OWNER, {'$list': ['test', 'cirros', 'Alpha']}],
    ['73924ee2-96bb-44f3-b37d-dc4d61cf96c9', 'cirros-test-curl', 'qcow2',
     'bare', None, None, 'queued', 'shared', True, OWNER, {'$list': []}],
]

SHOW_FIELDS = ['checksum', 'container_format', 'created_at', 'disk_format',
               'file', 'id', 'min_disk', 'min_ram', 'name', 'owner',
               'properties', 'protected', 'schema', 'size', 'status', 'tags',
               'updated_at', 'virtual_size', 'visibility']
HASH = ('66acf2970da623407cb475036c6749ea87bb8fc95528e5ae18b98dd063786189d0d2'
        '441977e4cf4da9995417a1f5341a72b723e370d2bc02248b308768e35667')
SHOW_VALUES = [  # seeds/000: openstack image show Ubuntu18
    'c1ca341b7432dd8e577eea37a082acb1', 'bare', '2020-04-23T06:38:10Z',
    'qcow2', '/v2/images/535c0cb4-d1f1-432a-a61e-fe6e81f32db8/file',
    '535c0cb4-d1f1-432a-a61e-fe6e81f32db8', 0, 0, 'Ubuntu18',
    '8438aba4660e4e5e9ab029a4b2568159',
    {'$dict': {'os_hash_algo': 'sha512', 'os_hash_value': HASH,
               'os_hidden': False}},
    False, '/v2/schemas/image', 345571328, 'active', {'$list': []},
    '2020-04-23T06:38:18Z', None, 'public',
]

# Strings that exercise quoting / escaping / resolver rules of each format.
TRICKY = [
    'Ảnh-thử', '镜像测试', '日本語イメージ', 'quote"d', "it's", "both'\"q",
    'comma,name', 'multi\nline', 'crlf\r\nline', 'lone\rcr', '$HOME',
    'back\\slash', 'yes', 'No', 'null', '~', '123', '-7', '1.5', '.5', '1e5',
    '1_000', '0x1F', '0o17', '012', '1:30', '2020-04-23',
    '2020-04-23T06:38:10Z', '', '- x', '-x', 'a: b', 'a:b', '#x', 'x #y',
    'x# y', 'on', 'True', '=', '<<', '@at', '`tick', '%pct', '!bang', '&amp',
    '*star', '|pipe', '>gt', '[br]', '{c}', '? q', '?q', ': c', 'x,y',
    ' lead', 'trail ', 'tab\tchar', 'emoji 😀', 'é', 'ctrl\x1bchar',
    'nul\x00', 'bell\x07', 'del\x7f', 'nbsp\xa0x', 'ls\u2028x', 'bom\ufeffx',
    '---', '...x', 'trailing\n', '\nleading', 'sp \nbreak', 'br\n sp',
    'a  two  spaces', 'zwj\u200bspace', 'combining e\u0301',
]

LONG_PROP = ('this is a very long property value that keeps going and going '
             'so that PyYAML has to fold it across several lines because its '
             'default width is eighty columns; and it also has to wrap in '
             'tables when --max-width is small enough to force that, ok')
LONG_WORD = 'x' * 230
LONG_NONASCII = ('Đây là một giá trị rất dài bằng tiếng Việt để kiểm tra việc '
                 'ngắt dòng của YAML khi có ký tự không phải ASCII, và bảng '
                 'khi độ rộng bị giới hạn bởi tùy chọn max-width nhé')
LONG_CJK = '这是一个很长的中文镜像名称用于测试表格换行和宽字符的显示宽度计算是否正确无误'


def list_case(name, header, rows, **opts):
    return {'name': name, 'kind': 'list', 'columns': header, 'rows': rows,
            'opts': opts}


def show_case(name, fields, values, **opts):
    return {'name': name, 'kind': 'show', 'fields': fields, 'values': values,
            'opts': opts}


def tricky_rows():
    return [[i, s, len(s)] for i, s in enumerate(TRICKY)]


def tricky_show():
    fields = ['f%02d' % i for i in range(len(TRICKY))]
    return fields, list(TRICKY)


LIST_FORMATS = ['table', 'json', 'yaml', 'value', 'csv']
SHOW_FORMATS = ['table', 'json', 'yaml', 'value', 'shell']

PROPS = {'os_hash_algo': 'sha512', 'os_hidden': False,
         'hw_disk_bus': 'scsi', 'nested': {'b': None, 'a': 1, 'c': {'d': 'e'}},
         'list_prop': ['x', 'y'], 'num': 5, 'none': None, 'empty': '',
         'Vietnamese': 'Ảnh', 'long': LONG_PROP,
         'quote': "it's \"q\"", 'float': 1.5, 'yes': 'yes'}


def groups():
    g = {}

    # -- list: every format on the seed data
    cases = []
    for fmt in LIST_FORMATS:
        cases.append(list_case('seed-list-' + fmt, LIST_COLS, LIST_ROWS,
                               format=fmt))
        cases.append(list_case('seed-long-' + fmt, LONG_COLS, LONG_ROWS,
                               format=fmt))
        cases.append(list_case('empty-' + fmt, LIST_COLS, [], format=fmt))
        cases.append(list_case('tricky-' + fmt, ['#', 'Name', 'Len'],
                               tricky_rows(), format=fmt))
        cases.append(list_case('scalars-' + fmt,
                               ['Int', 'Float', 'Bool', 'None', 'Str'],
                               [[1, 2.5, True, None, 'a'],
                                [-3, 1e-7, False, None, ''],
                                [10 ** 17, 1.25e-05, True, None, 'zz'],
                                [2 ** 53, 123456789.125, False, None, 'y'],
                                [0, 0.1, False, None, 'b']],
                               format=fmt))
        cases.append(list_case('columns-' + fmt, LIST_COLS + ['Props'],
                               [LIST_ROWS[0] + [{'$dict': PROPS}],
                                LIST_ROWS[1] + [{'$dict': {}}]],
                               format=fmt))
        cases.append(list_case('long-values-' + fmt, ['Name', 'Value'],
                               [['prop', LONG_PROP], ['word', LONG_WORD],
                                ['vi', LONG_NONASCII], ['cjk', LONG_CJK]],
                               format=fmt))
    g['list-formats'] = cases

    # -- show: every format on the seed data
    cases = []
    for fmt in SHOW_FORMATS:
        cases.append(show_case('seed-show-' + fmt, SHOW_FIELDS, SHOW_VALUES,
                               format=fmt))
        f, v = tricky_show()
        cases.append(show_case('tricky-' + fmt, f, v, format=fmt))
        cases.append(show_case('columns-' + fmt,
                               ['name', 'tags', 'properties', 'empty_props',
                                'Mixed Case-Name:x', 'size'],
                               ['img', {'$list': ['b-tag', 'a tag', 'Z', 'é']},
                                {'$dict': PROPS}, {'$dict': {}}, 'v', 42],
                               format=fmt))
        cases.append(show_case('long-values-' + fmt,
                               ['prop', 'word', 'vi', 'cjk'],
                               [LONG_PROP, LONG_WORD, LONG_NONASCII, LONG_CJK],
                               format=fmt))
    g['show-formats'] = cases

    # -- options
    cases = []
    for fmt in LIST_FORMATS:
        cases.append(list_case('list-c-' + fmt, LONG_COLS, LONG_ROWS,
                               format=fmt, columns=['Tags', 'Name', 'Size']))
    for fmt in SHOW_FORMATS:
        cases.append(show_case('show-c-' + fmt, SHOW_FIELDS, SHOW_VALUES,
                               format=fmt,
                               columns=['tags', 'name', 'size', 'name']))
    cases.append(list_case('list-c-unknown', LIST_COLS, LIST_ROWS,
                           columns=['Nope']))
    cases.append(list_case('list-c-unknown-one', ['ID'], LIST_ROWS,
                           columns=['Nope', 'Other']))
    cases.append(show_case('show-c-unknown', SHOW_FIELDS, SHOW_VALUES,
                           columns=['nope']))
    cases.append(list_case('list-c-some-unknown', LIST_COLS, LIST_ROWS,
                           columns=['Nope', 'Name']))
    cases.append(list_case('json-noindent-list', LONG_COLS, LONG_ROWS,
                           format='json', noindent=True))
    cases.append(show_case('json-noindent-show', SHOW_FIELDS, SHOW_VALUES,
                           format='json', noindent=True))
    cases.append(list_case('json-noindent-empty', LIST_COLS, [],
                           format='json', noindent=True))
    cases.append(list_case('print-empty', LIST_COLS, [], printEmpty=True))
    cases.append(list_case('print-empty-data', LIST_COLS, LIST_ROWS,
                           printEmpty=True))
    for q in ['all', 'minimal', 'none', 'nonnumeric']:
        cases.append(list_case('csv-quote-' + q, ['#', 'Name', 'Len'],
                               [r for r in tricky_rows() if r[1] != 'nul\x00'],
                               format='csv', quote=q))
        cases.append(list_case('csv-quote-long-' + q, LONG_COLS, LONG_ROWS,
                               format='csv', quote=q))
    cases.append(list_case('csv-none-single-empty', ['Name'], [['']],
                           format='csv', quote='none'))
    cases.append(list_case('csv-minimal-single-empty', ['Name'], [[''], [None]],
                           format='csv', quote='minimal'))
    cases.append(show_case('shell-prefix', SHOW_FIELDS, SHOW_VALUES,
                           format='shell', prefix='img_'))
    cases.append(show_case('shell-prefix-c', SHOW_FIELDS, SHOW_VALUES,
                           format='shell', prefix='X', columns=['id', 'tags']))
    g['options'] = cases

    # -- sorting
    sort_rows = [
        ['b', 2, 'Zed', None, {'$list': ['b']}],
        ['a', 10, 'alpha', 1.5, {'$list': ['a', 'c']}],
        ['c', 2, 'Beta', None, {'$list': []}],
        ['d', None, 'alpha', 0.5, {'$list': ['a']}],
        ['e', 1, 'ärger', 2, {'$list': ['a', 'b']}],
        ['f', 2, '\U0001F600', 2, {'$list': ['a', 'b']}],
        ['g', 3, '\uff21', 2, {'$list': ['a', 'b']}],
    ]
    sort_cols = ['Key', 'Num', 'Name', 'Mixed', 'Tags']
    cases = []
    for cols in (['Num'], ['Name'], ['Num', 'Name'], ['Name', 'Num'],
                 ['Mixed'], ['Tags'], ['Nope'], ['Nope', 'Num'], ['Key']):
        for d in (None, 'asc', 'desc'):
            opts = {'sortColumns': cols}
            if d:
                opts['sortDirection'] = d
            cases.append(list_case('sort-%s-%s' % ('+'.join(cols), d or 'default'),
                                   sort_cols, sort_rows, format='value', **opts))
    cases.append(list_case('sort-table-c', sort_cols, sort_rows,
                           sortColumns=['Num'], sortDirection='desc',
                           columns=['Key', 'Name']))
    # Unsortable values: cliff logs a warning and keeps that key's order. (The
    # sorted-on column is first here: cliff's warning indexes sort_columns by
    # the *column* position, an IndexError when that is past the -c list.)
    cases.append(list_case('sort-type-error', ['B', 'A'],
                           [[1, 'x'], ['a', 'y'], [2, 'z']],
                           format='value', sortColumns=['B']))
    cases.append(list_case('sort-type-error-then-ok', ['B', 'A'],
                           [[1, 'y'], ['a', 'x'], [2, 'z']],
                           format='value', sortColumns=['B', 'A']))
    cases.append(list_case('sort-mixed-int-bool', ['B', 'A'],
                           [[1, 'x'], [True, 'y'], [0, 'z'], [False, 'w']],
                           format='value', sortColumns=['B']))
    cases.append(list_case('sort-dict-error', ['B', 'A'],
                           [[{'$dict': {'a': 1}}, 'x'], [{'$dict': {}}, 'y']],
                           format='value', sortColumns=['B']))
    cases.append(list_case('sort-list-vs-str', ['B', 'A'],
                           [['s', 'x'], [{'$list': ['a']}, 'y']],
                           format='value', sortColumns=['B']))
    cases.append(list_case('sort-empty', LIST_COLS, [], format='json',
                           sortColumns=['Name']))
    g['sorting'] = cases

    # -- table widths
    cases = []
    for mw in (40, 60, 80, 1, 10):
        cases.append(list_case('list-max-width-%d' % mw, LONG_COLS, LONG_ROWS,
                               maxWidth=mw))
        cases.append(show_case('show-max-width-%d' % mw, SHOW_FIELDS,
                               SHOW_VALUES, maxWidth=mw))
    cases.append(show_case('show-max-width-0', SHOW_FIELDS, SHOW_VALUES,
                           maxWidth=0, env={'CLIFF_MAX_TERM_WIDTH': '50'}))
    cases.append(show_case('show-max-width-negative', SHOW_FIELDS, SHOW_VALUES,
                           maxWidth=-1))
    cases.append(show_case('show-env-max-width', SHOW_FIELDS, SHOW_VALUES,
                           env={'CLIFF_MAX_TERM_WIDTH': '50'}))
    cases.append(show_case('show-env-max-width-overridden', SHOW_FIELDS,
                           SHOW_VALUES, maxWidth=70,
                           env={'CLIFF_MAX_TERM_WIDTH': '50'}))
    cases.append(show_case('show-fit-width-tty', SHOW_FIELDS, SHOW_VALUES,
                           fitWidth=True, terminalWidth=72))
    cases.append(show_case('show-fit-width-no-tty', SHOW_FIELDS, SHOW_VALUES,
                           fitWidth=True))
    cases.append(show_case('show-env-fit-width', SHOW_FIELDS, SHOW_VALUES,
                           terminalWidth=60, env={'CLIFF_FIT_WIDTH': '1'}))
    cases.append(show_case('show-env-fit-width-0', SHOW_FIELDS, SHOW_VALUES,
                           terminalWidth=60, env={'CLIFF_FIT_WIDTH': '0'}))
    cases.append(show_case('show-tty-no-fit', SHOW_FIELDS, SHOW_VALUES,
                           terminalWidth=60))
    cases.append(list_case('list-fit-width-tty', LONG_COLS, LONG_ROWS,
                           fitWidth=True, terminalWidth=100))
    cases.append(list_case('list-fit-width-wide-tty', LONG_COLS, LONG_ROWS,
                           fitWidth=True, terminalWidth=400))
    for mw in (30, 40, 50):
        cases.append(list_case('long-values-max-width-%d' % mw,
                               ['Name', 'Value'],
                               [['prop', LONG_PROP], ['word', LONG_WORD],
                                ['vi', LONG_NONASCII], ['cjk', LONG_CJK],
                                ['hyphen', 'a-very-long-hyphenated-name-that-'
                                 'needs-breaking-at-hyphens-please'],
                                ['dashes', 'word--word---word----end and more'
                                 ' text here'],
                                ['tabs', 'a\tb\tc\td\te\tf\tg\th\ti\tj\tk'],
                                ['mixed', 'short ' + LONG_WORD[:50] + ' tail'],
                                ['multi', 'line one is long enough to wrap '
                                 'around\nline two\r\nline three']]))
        cases.append(show_case('tricky-max-width-%d' % mw, *tricky_show(),
                               maxWidth=mw))
        cases.append(show_case('props-max-width-%d' % mw,
                               ['properties', 'tags'],
                               [{'$dict': PROPS},
                                {'$list': ['tag-%d' % i for i in range(30)]}],
                               maxWidth=mw))
    cases.append(list_case('print-empty-max-width', LONG_COLS, [],
                           printEmpty=True, maxWidth=40))
    cases.append(list_case('many-columns-narrow', ['c%d' % i for i in range(12)],
                           [['value-%d-%s' % (i, 'x' * i) for i in range(12)]],
                           maxWidth=50))
    g['widths'] = cases

    # -- nested machine values and YAML corner cases
    locations = [{'url': 'file:///var/lib/glance/images/x', 'metadata': {}},
                 {'url': 'rbd://a/b/c', 'metadata': {'store': 'ceph',
                                                     'n': [1, None, 'x']}}]
    yaml_props = {
        'locations': locations,
        'k' * 130: 'complex key',
        'k' * 122: 'simple key (122 + !!str = 127)',
        'k' * 123: 'complex key (123 + !!str = 128)',
        'Ảnh key': 'unicode key',
        'multi\nline key': 'v',
        '': 'empty key',
        'quoted long': "'" + LONG_PROP,
        'colon long': LONG_PROP.replace(';', ': '),
        'multi long': LONG_PROP[:100] + '\n\n' + LONG_PROP[100:] + '\n',
        'spaces long': LONG_PROP.replace(' ', '  '),
        'escapes long': LONG_PROP.replace(' ', '\t') + ' x ' + '\x01' * 50,
        'nonascii spaced': ' '.join(['Ảnh'] * 40),
        'nonascii joined': 'Ảnh' * 60,
        'long word then space': LONG_WORD + ' tail',
        'quote in long': LONG_PROP.replace('keeps', "kee'ps"),
        'empty list': [], 'empty dict': {}, 'list of lists': [[], ['a'], [[]]],
    }
    cases = []
    for fmt in SHOW_FORMATS:
        cases.append(show_case('nested-' + fmt, ['properties', 'name'],
                               [{'$dict': yaml_props}, 'x'], format=fmt))
    for fmt in LIST_FORMATS:
        cases.append(list_case('nested-' + fmt, ['Name', 'Properties'],
                               [['a', {'$dict': yaml_props}],
                                ['b', {'$dict': {'locations': locations}}]],
                               format=fmt))
    g['nested'] = cases

    # -- many rows: timsort runs, merges and galloping
    rng = random.Random(20240501)
    many = []
    for i in range(300):
        many.append([
            i, rng.choice(['alpha', 'beta', 'gamma', 'Delta', 'épsilon', '']),
            rng.choice([None, rng.randint(0, 5)]),
            {'$list': rng.sample(['a', 'b', 'c'], rng.randint(0, 3))},
        ])
    cases = []
    for cols in (['Name'], ['Size'], ['Size', 'Name'], ['Tags'], ['Tags', 'Size']):
        for d in (None, 'desc'):
            opts = {'sortColumns': cols}
            if d:
                opts['sortDirection'] = d
            cases.append(list_case('many-%s-%s' % ('+'.join(cols), d or 'asc'),
                                   ['#', 'Name', 'Size', 'Tags'], many,
                                   format='value', **opts))
    mixed = [[rng.choice(['s', {'$list': ['a']}, 't']), i] for i in range(100)]
    for d in (None, 'desc'):
        for n in (2, 3, 5, 10, 40, 100):
            opts = {'sortColumns': ['V']}
            if d:
                opts['sortDirection'] = d
            cases.append(list_case('mixed-%d-%s' % (n, d or 'asc'), ['V', '#'],
                                   mixed[:n], format='value', **opts))
    g['many-rows'] = cases

    # -- random strings through every format
    pool = (list('abcxyzABC019 ') * 6 + list('-:#\'",[]{}!&*?|>%@`\\.=~_$') +
            ['\n', '\r', '\t', '\r\n', 'é', 'Ả', '镜', '😀', '\u0301', '\x1b',
             '\xa0', '\u2028', '\u3000', '\u200d', '--', '- ', ': ', ' #',
             '---', 'yes', 'null', '12', '0x', '2020-01-02'])
    cases = []
    for i in range(60):
        n = rng.choice([0, 1, 2, 3, 5, 8, 13, 30, 60, 100])
        words = [''.join(rng.choice(pool) for _ in range(rng.randint(0, n)))
                 for _ in range(4)]
        fields = ['name', 'a b', 'c-d:e', 'f']
        if i % 2 == 0:
            fmt = SHOW_FORMATS[(i // 2) % len(SHOW_FORMATS)]
            opts = {'format': fmt}
            if fmt == 'table' and i % 4 == 0:
                opts['maxWidth'] = rng.choice([20, 30, 45])
            cases.append(show_case('fuzz-%02d-%s' % (i, fmt), fields, words, **opts))
        else:
            fmt = LIST_FORMATS[(i // 2) % len(LIST_FORMATS)]
            opts = {'format': fmt}
            if fmt == 'table' and i % 4 == 1:
                opts['maxWidth'] = rng.choice([30, 45, 60])
            if fmt == 'csv':
                opts['quote'] = rng.choice(['all', 'minimal', 'nonnumeric'])
            rows = [words, words[::-1], [w.upper() for w in words]]
            cases.append(list_case('fuzz-%02d-%s' % (i, fmt), fields, rows, **opts))
    g['fuzz'] = cases
    return g


# ---------------------------------------------------------------- wcwidth


def write_wcwidth_tables():
    """Emit the wcwidth package's latest tables as src/output/wcwidth-tables.ts."""
    from wcwidth import table_wide, table_zero, wcwidth as wc
    from wcwidth.wcwidth import ZERO_WIDTH_CF, list_versions
    latest = list_versions()[-1]

    def flat(ranges):
        return ','.join('0x%x,0x%x' % (a, b) for a, b in ranges)

    def wrap(text, width=96):
        out, line = [], ''
        for part in text.split(','):
            if len(line) + len(part) + 1 > width:
                out.append(line)
                line = ''
            line += part + ','
        out.append(line)
        return '\n'.join('  ' + l for l in out if l)

    src = (
        '// GENERATED by scripts/gen-output-golden.py --wcwidth from the Python\n'
        '// wcwidth %s package (Unicode %s tables), which prettytable uses to\n'
        '// measure cells. Do not edit by hand.\n\n'
        '/** Zero-width code points special-cased before the tables (format chars). */\n'
        'export const ZERO_WIDTH_CF: readonly number[] = [\n%s\n];\n\n'
        '/** Flattened [first, last] pairs of zero-width (Mn/Me) code point ranges. */\n'
        'export const ZERO_WIDTH: readonly number[] = [\n%s\n];\n\n'
        '/** Flattened [first, last] pairs of East Asian Wide/Fullwidth ranges. */\n'
        'export const WIDE_EASTASIAN: readonly number[] = [\n%s\n];\n'
    ) % (importlib.metadata.version('wcwidth'), latest,
         wrap(','.join('0x%x' % c for c in sorted(ZERO_WIDTH_CF))),
         wrap(flat(table_zero.ZERO_WIDTH[latest])),
         wrap(flat(table_wide.WIDE_EASTASIAN[latest])))
    path = os.path.join(ROOT, 'src', 'output', 'wcwidth-tables.ts')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(src)
    print('wrote', path)


def main():
    if '--wcwidth' in sys.argv:
        write_wcwidth_tables()
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for group, cases in groups().items():
        for case in cases:
            case.update(run_case(case))
        path = os.path.join(OUT_DIR, group + '.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump({'generator': 'scripts/gen-output-golden.py',
                       'reference': 'cliff 4.0.0, osc-lib 2.6.2, prettytable '
                                    '3.6.0, PyYAML 6.0, Python 3.11',
                       'cases': cases}, f, indent=1, ensure_ascii=False)
            f.write('\n')
        total += len(cases)
        print('wrote %s (%d cases)' % (path, len(cases)))
    print('%d cases' % total)


if __name__ == '__main__':
    main()
