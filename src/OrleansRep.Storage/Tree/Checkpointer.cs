using System.Buffers.Binary;
using System.Text;
using OrleansRep.Storage.Log;
using OrleansRep.Storage.Txn;

namespace OrleansRep.Storage.Tree;

/// <summary>
/// Writes a snapshot of every tree to the data file (shadow paging) and then the meta page that makes it the
/// recovery starting point. Changed nodes go to pages that the last durable checkpoint does not use, so a crash at
/// any moment leaves that checkpoint intact. Pages the new checkpoint no longer uses become free once its meta is
/// durable. Runs alongside the writer and readers; one checkpoint at a time.
/// </summary>
internal sealed class Checkpointer
{
    private readonly PageStore _store;
    private readonly object _gate = new();
    private List<ulong> _free;
    private List<ulong> _metaPages;
    private List<ulong> _released = [];
    private List<ulong> _deferred = [];
    private int _holds;
    private byte[] _scratch;
    private long _snapshot;

    public Checkpointer(PageStore store, MetaPage meta, List<ulong> free, List<ulong> metaPages)
    {
        _store = store;
        Meta = meta;
        _free = free;
        _metaPages = metaPages;
        _scratch = new byte[store.PageSize];
    }

    /// <summary>The last durable checkpoint.</summary>
    public MetaPage Meta { get; private set; }

    public int FreePages
    {
        get
        {
            lock (_gate)
            {
                return _free.Count;
            }
        }
    }

    public long Count { get; private set; }

    /// <summary>Writes a checkpoint of <paramref name="snapshot"/> (a registered read transaction).</summary>
    public MetaPage Run(ReadTransaction snapshot, IEnumerable<object> released, Func<long> oldestReader, long nowUnixMs, Lsn truncateLogTo = default)
    {
        lock (_gate)
        {
            _snapshot = snapshot.Version;
            _released = [];
            foreach (var item in released)
            {
                Release(item);
            }

            var catalog = snapshot.Catalog;
            var roots = new List<(DatabaseState Db, ulong Page, int Level)>();
            foreach (var db in catalog.ByName.Values.OrderBy(d => d.Id))
            {
                var root = Node.Resolve(db.Root, _snapshot);
                if (root == null)
                {
                    roots.Add((db, 0, 0));
                    continue;
                }

                var page = Write(root, oldestReader());
                roots.Add((db, page, root is BranchNode b ? b.Level : 0));
            }

            var catalogBytes = EncodeCatalog(catalog.NextId, roots);
            var freeAfter = new List<ulong>(_free.Count + _released.Count + _metaPages.Count + _deferred.Count);
            freeAfter.AddRange(_free);
            freeAfter.AddRange(_released);
            freeAfter.AddRange(_metaPages);
            freeAfter.AddRange(_deferred);
            freeAfter.Sort();
            var freeBytes = new byte[freeAfter.Count * 8];
            for (var i = 0; i < freeAfter.Count; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(freeBytes.AsSpan(i * 8), freeAfter[i]);
            }

            if (_holds > 0)
            {
                // A backup is copying the pages of an older checkpoint: what this one releases stays unused in memory
                // until the hold ends. The free list on disk has them all (a crash ends every backup).
                _deferred.AddRange(_released);
                _deferred.AddRange(_metaPages);
                freeAfter = [.. _free];
                freeAfter.Sort();
            }
            else
            {
                _deferred = [];
            }

            // Blob pages come from the end of the file so they never collide with the free list being written.
            var catalogPages = AllocateAtEnd(_store.Layout.OverflowPages(catalogBytes.Length));
            var freePages = AllocateAtEnd(_store.Layout.OverflowPages(freeBytes.Length));
            _store.WriteChain(catalogBytes, catalogPages, _scratch);
            _store.WriteChain(freeBytes, freePages, _scratch);
            _store.Sync();

            var meta = new MetaPage(
                Meta.Sequence + 1,
                snapshot.SnapshotLsn,
                _snapshot,
                _store.PageCount,
                catalogPages.Length > 0 ? catalogPages[0] : 0,
                catalogBytes.Length,
                freePages.Length > 0 ? freePages[0] : 0,
                freeBytes.Length,
                Meta.CreatedUnixMs,
                nowUnixMs,
                _store.PageSize,
                truncateLogTo);
            _store.WriteMeta(meta);
            _store.Sync();

            Meta = meta;
            _free = freeAfter;
            _free.Reverse(); // allocate low page numbers first (Allocate pops from the end)
            _metaPages = [.. catalogPages, .. freePages];
            Count++;
            return meta;
        }
    }

    /// <summary>
    /// Keeps the pages of the last durable checkpoint from being reused until the result is disposed (a hot backup
    /// copies them meanwhile). A checkpoint writes only to pages the last one does not use; the pages it releases
    /// would be taken by the next one. While held, released pages are set aside (still in the free list on disk, not
    /// in memory) and handed back by the first checkpoint after the last hold ends. Returns that checkpoint's meta.
    /// </summary>
    public (MetaPage Meta, IDisposable Hold) HoldPages()
    {
        lock (_gate)
        {
            _holds++;
            return (Meta, new PageHold(this));
        }
    }

    private sealed class PageHold(Checkpointer owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                lock (owner._gate)
                {
                    owner._holds--;
                }
            }
        }
    }

    private void Release(object item)
    {
        switch (item)
        {
            case PageHolder holder when holder.Page != 0:
                _released.Add(holder.Page);
                holder.Page = 0;
                break;
            case byte[] value:
                var chain = _store.ChainOf(value);
                if (chain != null)
                {
                    _released.AddRange(chain);
                    _store.ForgetChain(value);
                }

                break;
        }
    }

    private ulong Write(Node node, long oldest)
    {
        if (!node.IsLoaded)
        {
            return node.PageNo;
        }

        if (node is LeafNode leaf)
        {
            if (leaf.PageNo != 0)
            {
                return leaf.PageNo;
            }

            var page = Allocate();
            WriteLeaf(leaf, page);
            Placed(leaf, page, oldest);
            return page;
        }

        var branch = (BranchNode)node;
        if (branch.PageNo != 0 && branch.DirtyVersion <= branch.WrittenVersion)
        {
            return branch.PageNo;
        }

        var children = new ulong[branch.Count];
        for (var i = 0; i < branch.Count; i++)
        {
            var child = Node.Resolve(branch.Child(i), _snapshot)
                ?? throw new InvalidOperationException($"checkpoint lost the version chain of a child at snapshot {_snapshot}");
            children[i] = Write(child, oldest);
        }

        var at = Allocate();
        WriteBranch(branch, children, at);
        branch.WrittenVersion = Math.Max(branch.WrittenVersion, _snapshot);
        Placed(branch, at, oldest);
        return at;
    }

    private void Placed(Node node, ulong page, long oldest)
    {
        node.PageNo = page;
        var previous = node.Holder.Page;
        node.Holder.Page = page;
        if (previous != 0 && previous != page)
        {
            _released.Add(previous);
        }

        if (node.Version <= oldest)
        {
            node.Older = null;
        }
    }

    private void WriteLeaf(LeafNode leaf, ulong pageNo)
    {
        var page = _scratch.AsSpan();
        page.Clear();
        var pos = PageLayout.HeaderSize;
        var layout = _store.Layout;
        for (var i = 0; i < leaf.Count; i++)
        {
            var key = leaf.Keys[i];
            var value = leaf.Values[i];
            var inline = layout.IsInline(key.Length, value.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(page[pos..], (ushort)key.Length);
            page[pos + 2] = inline ? (byte)0 : PageLayout.ValueOnOverflow;
            BinaryPrimitives.WriteInt32LittleEndian(page[(pos + 3)..], value.Length);
            pos += PageLayout.LeafEntryOverhead;
            key.CopyTo(page[pos..]);
            pos += key.Length;
            if (inline)
            {
                value.CopyTo(page[pos..]);
                pos += value.Length;
            }
            else
            {
                var chain = _store.ChainOf(value);
                if (chain == null)
                {
                    chain = new ulong[layout.OverflowPages(value.Length)];
                    for (var c = 0; c < chain.Length; c++)
                    {
                        chain[c] = Allocate();
                    }

                    var scratch = new byte[_store.PageSize];
                    _store.WriteChain(value, chain, scratch);
                    _store.RememberChain(value, chain);
                }

                BinaryPrimitives.WriteUInt64LittleEndian(page[pos..], chain[0]);
                BinaryPrimitives.WriteUInt32LittleEndian(page[(pos + 8)..], 0);
                pos += PageLayout.OverflowRefSize;
            }
        }

        PageLayout.WriteHeader(page, pageNo, PageKind.Leaf, leaf.Count, pos - PageLayout.HeaderSize, 0);
        PageLayout.Seal(page);
        _store.WritePage(pageNo, page);
    }

    private void WriteBranch(BranchNode branch, ulong[] children, ulong pageNo)
    {
        var page = _scratch.AsSpan();
        page.Clear();
        var pos = PageLayout.HeaderSize;
        BinaryPrimitives.WriteUInt64LittleEndian(page[pos..], children[0]);
        pos += 8;
        for (var i = 1; i < children.Length; i++)
        {
            var key = branch.Keys[i - 1];
            BinaryPrimitives.WriteUInt16LittleEndian(page[pos..], (ushort)key.Length);
            key.CopyTo(page[(pos + 2)..]);
            BinaryPrimitives.WriteUInt64LittleEndian(page[(pos + 2 + key.Length)..], children[i]);
            pos += PageLayout.BranchEntryOverhead + key.Length;
        }

        PageLayout.WriteHeader(page, pageNo, PageKind.Branch, children.Length, pos - PageLayout.HeaderSize, 0, branch.Level);
        PageLayout.Seal(page);
        _store.WritePage(pageNo, page);
    }

    private ulong Allocate()
    {
        if (_free.Count > 0)
        {
            var page = _free[^1];
            _free.RemoveAt(_free.Count - 1);
            return page;
        }

        return _store.PageCount++;
    }

    private ulong[] AllocateAtEnd(int count)
    {
        var pages = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            pages[i] = _store.PageCount++;
        }

        return pages;
    }

    public static byte[] EncodeCatalog(uint nextId, IReadOnlyList<(DatabaseState Db, ulong Page, int Level)> roots)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms, Encoding.UTF8);
        w.Write(nextId);
        w.Write(roots.Count);
        foreach (var (db, page, level) in roots)
        {
            w.Write(db.Id);
            var name = Encoding.UTF8.GetBytes(db.Name);
            w.Write((ushort)name.Length);
            w.Write(name);
            w.Write(page);
            w.Write((byte)level);
        }

        return ms.ToArray();
    }

    public static (uint NextId, List<(uint Id, string Name, ulong Page, int Level)> Roots) DecodeCatalog(byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var nextId = r.ReadUInt32();
        var count = r.ReadInt32();
        var roots = new List<(uint, string, ulong, int)>(count);
        for (var i = 0; i < count; i++)
        {
            var id = r.ReadUInt32();
            var name = Encoding.UTF8.GetString(r.ReadBytes(r.ReadUInt16()));
            roots.Add((id, name, r.ReadUInt64(), r.ReadByte()));
        }

        return (nextId, roots);
    }

    public static byte[] EncodeCheckpointRecord(MetaPage meta)
    {
        var payload = new byte[24];
        meta.RedoLsn.WriteTo(payload);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(8), meta.Version);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(16), meta.Sequence);
        return payload;
    }

    internal static LogRecordType RecordType => LogRecordType.Checkpoint;
}
