"""DescribeTopicPartitions (API key 75, v0) encoded and decoded by hand from Kafka's message definition, with
nothing of Samsa's: checks ApiVersions advertises it, then pages through every topic with the cursor.

usage: dtp_raw.py host:port page_limit
"""
import socket
import struct
import sys

from _common import check, eq, log, main


def uvarint(n):
    out = b''
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def compact_string(s):
    raw = s.encode()
    return uvarint(len(raw) + 1) + raw


class Reader:
    def __init__(self, buf):
        self.buf = buf
        self.pos = 0

    def take(self, n):
        v = self.buf[self.pos:self.pos + n]
        check(len(v) == n, 'response ends early')
        self.pos += n
        return v

    def unpack(self, fmt):
        return struct.unpack('>' + fmt, self.take(struct.calcsize('>' + fmt)))[0]

    def uvarint(self):
        shift = 0
        n = 0
        while True:
            b = self.take(1)[0]
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7

    def compact_string(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1).decode()

    def compact_array(self, item):
        n = self.uvarint()
        return None if n == 0 else [item() for _ in range(n - 1)]

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())


class Conn:
    def __init__(self, hostport):
        host, port = hostport.rsplit(':', 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.corr = 0

    def call(self, key, version, body, flexible):
        self.corr += 1
        client = b'dtp-raw'
        header = struct.pack('>hhih', key, version, self.corr, len(client)) + client
        if flexible:
            header += uvarint(0)
        msg = header + body
        self.sock.sendall(struct.pack('>i', len(msg)) + msg)
        size = struct.unpack('>i', self.recv(4))[0]
        r = Reader(self.recv(size))
        eq(r.unpack('i'), self.corr, 'correlation id')
        if flexible and key != 18:
            r.tags()
        return r

    def recv(self, n):
        out = b''
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            check(chunk, 'connection closed')
            out += chunk
        return out


def run(argv):
    conn = Conn(argv[0])
    limit = int(argv[1])
    # ApiVersions v0: error, [key, min, max].
    r = conn.call(18, 0, b'', False)
    eq(r.unpack('h'), 0, 'ApiVersions error')
    versions = {}
    for _ in range(r.unpack('i')):
        k, lo, hi = r.unpack('h'), r.unpack('h'), r.unpack('h')
        versions[k] = [lo, hi]
    check(75 in versions, 'DescribeTopicPartitions not advertised')

    partitions, cursors, elr = [], [], []
    cursor = None
    for _ in range(20):
        body = uvarint(1)  # no topics: every topic
        body += struct.pack('>i', limit)
        if cursor is None:
            body += struct.pack('>b', -1)
        else:
            body += struct.pack('>b', 1) + compact_string(cursor[0]) + struct.pack('>i', cursor[1]) + uvarint(0)
        body += uvarint(0)
        r = conn.call(75, 0, body, True)
        r.unpack('i')  # throttle

        def partition():
            p = {
                'error': r.unpack('h'),
                'index': r.unpack('i'),
                'leader': r.unpack('i'),
                'epoch': r.unpack('i'),
                'replicas': r.compact_array(lambda: r.unpack('i')),
                'isr': r.compact_array(lambda: r.unpack('i')),
                'elr': r.compact_array(lambda: r.unpack('i')),
                'lastKnownElr': r.compact_array(lambda: r.unpack('i')),
                'offline': r.compact_array(lambda: r.unpack('i')),
            }
            r.tags()
            return p

        def topic():
            t = {'error': r.unpack('h'), 'name': r.compact_string(), 'id': r.take(16).hex(), 'internal': r.unpack('?')}
            t['partitions'] = r.compact_array(partition)
            t['ops'] = r.unpack('i')
            r.tags()
            return t

        topics = r.compact_array(topic)
        present = r.unpack('b')
        nxt = None
        if present >= 0:
            nxt = (r.compact_string(), r.unpack('i'))
            r.tags()
        r.tags()
        eq(r.pos, len(r.buf), 'bytes left over')
        n = 0
        for t in topics:
            eq(t['error'], 0, 'topic error')
            for p in t['partitions']:
                eq(p['leader'], p['replicas'][0], 'leader of a single node')
                partitions.append('%s:%d' % (t['name'], p['index']))
                n += 1
        check(n <= limit, 'page over the limit', n)
        elr.append(sorted(set(i for t in topics for p in t['partitions'] for i in p['elr'] + p['lastKnownElr'])))
        if nxt is None:
            break
        cursors.append(list(nxt))
        cursor = nxt
    log('paged', len(partitions), 'partitions with', len(cursors), 'cursors')
    return {'ok': True, 'apiVersion': versions[75], 'partitions': partitions, 'cursors': cursors, 'elr': elr[:2]}


main(run)
