using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Tree;

/// <summary>
/// The data file <c>orep.db</c>: fixed-size pages, each checked on read (magic, checksum, its own page number).
/// Reads are safe from many threads; writes and allocation come only from the checkpoint (one at a time).
/// Pages are never overwritten while the last durable checkpoint refers to them, so the file is always a complete
/// tree as of that checkpoint: nothing to undo after a crash, only the log to redo.
/// </summary>
internal sealed class PageStore : IDisposable
{
    public const string FileName = "orep.db";

    private readonly IStorageFile _file;
    private readonly ConditionalWeakTable<byte[], ulong[]> _chains = new();
    private long _pageReads;

    public PageStore(IStorageFile file, int pageSize)
    {
        _file = file;
        Layout = new PageLayoutInfo(pageSize);
    }

    public PageLayoutInfo Layout { get; }

    public int PageSize => Layout.PageSize;

    public string Path => _file.Path;

    /// <summary>Pages in the file (the high-water mark): page numbers at or beyond it are unused.</summary>
    public ulong PageCount { get; set; } = 2;

    public long PageReads => Interlocked.Read(ref _pageReads);

    public long PageWrites { get; private set; }

    /// <summary>Reads and checks a page; damage is a <see cref="CorruptionException"/> naming file and offset.</summary>
    public byte[] ReadPage(ulong pageNo, PageKind expected)
    {
        var page = new byte[PageSize];
        var offset = (long)pageNo * PageSize;
        var n = _file.Read(offset, page);
        Interlocked.Increment(ref _pageReads);
        if (n != PageSize)
        {
            throw new CorruptionException(Path, offset, $"page {pageNo} is past the end of the file");
        }

        var problem = PageLayout.Check(page, pageNo) ??
            (PageLayout.Kind(page) != expected ? $"page {pageNo} is a {PageLayout.Kind(page)} page, expected {expected}" : null);
        if (problem != null)
        {
            throw new CorruptionException(Path, offset, $"page {pageNo}: {problem}");
        }

        return page;
    }

    /// <summary>Reads a raw page without checks (for verify).</summary>
    public int ReadRaw(ulong pageNo, Span<byte> page) => _file.Read((long)pageNo * PageSize, page);

    /// <summary>Reads raw bytes at any offset without checks (a hot backup copies many pages at once).</summary>
    public int ReadAt(long offset, Span<byte> buffer) => _file.Read(offset, buffer);

    public void WritePage(ulong pageNo, ReadOnlySpan<byte> page)
    {
        _file.Write((long)pageNo * PageSize, page);
        PageWrites++;
    }

    public void Sync() => _file.Flush();

    /// <summary>Bytes of leaf data brought into memory since the evictor last looked (it runs when this grows).</summary>
    public long LoadedSinceEviction;

    /// <summary>Called after a leaf was loaded (the environment uses it to start an eviction pass).</summary>
    public Action? LeafLoaded { get; set; }

    public (byte[][] Keys, byte[][] Values) ReadLeaf(ulong pageNo)
    {
        var result = ReadLeafPage(pageNo);
        long bytes = 0;
        for (var i = 0; i < result.Keys.Length; i++)
        {
            bytes += result.Keys[i].Length + result.Values[i].Length;
        }

        Interlocked.Add(ref LoadedSinceEviction, bytes + PageSize);
        LeafLoaded?.Invoke();
        return result;
    }

    private (byte[][] Keys, byte[][] Values) ReadLeafPage(ulong pageNo)
    {
        var page = ReadPage(pageNo, PageKind.Leaf);
        var count = PageLayout.Count(page);
        var keys = new byte[count][];
        var values = new byte[count][];
        var pos = PageLayout.HeaderSize;
        var end = PageLayout.HeaderSize + PageLayout.Used(page);
        for (var i = 0; i < count; i++)
        {
            if (pos + PageLayout.LeafEntryOverhead > end)
            {
                throw Bad(pageNo, "leaf entries run past the used area");
            }

            var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(pos));
            var flags = page[pos + 2];
            var valueLength = BinaryPrimitives.ReadInt32LittleEndian(page.AsSpan(pos + 3));
            pos += PageLayout.LeafEntryOverhead;
            var inlineBytes = (flags & PageLayout.ValueOnOverflow) != 0 ? PageLayout.OverflowRefSize : valueLength;
            if (valueLength < 0 || pos + keyLength + inlineBytes > end)
            {
                throw Bad(pageNo, "leaf entry runs past the used area");
            }

            keys[i] = page.AsSpan(pos, keyLength).ToArray();
            pos += keyLength;
            if ((flags & PageLayout.ValueOnOverflow) != 0)
            {
                var first = BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(pos));
                var (value, pages) = ReadChain(first, valueLength);
                values[i] = value;
                _chains.AddOrUpdate(value, pages);
            }
            else
            {
                values[i] = page.AsSpan(pos, valueLength).ToArray();
            }

            pos += inlineBytes;
        }

        return (keys, values);
    }

    public (byte[][] Keys, ulong[] Children) ReadBranch(ulong pageNo, int level)
    {
        var page = ReadPage(pageNo, PageKind.Branch);
        if (PageLayout.Level(page) != level)
        {
            throw Bad(pageNo, $"branch at level {PageLayout.Level(page)} where level {level} was expected");
        }

        var count = PageLayout.Count(page);
        var end = PageLayout.HeaderSize + PageLayout.Used(page);
        if (count < 1)
        {
            throw Bad(pageNo, "branch without children");
        }

        var children = new ulong[count];
        var keys = new byte[count - 1][];
        var pos = PageLayout.HeaderSize;
        children[0] = BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(pos));
        pos += 8;
        for (var i = 1; i < count; i++)
        {
            var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(pos));
            if (pos + PageLayout.BranchEntryOverhead + keyLength > end)
            {
                throw Bad(pageNo, "branch entry runs past the used area");
            }

            keys[i - 1] = page.AsSpan(pos + 2, keyLength).ToArray();
            children[i] = BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(pos + 2 + keyLength));
            pos += PageLayout.BranchEntryOverhead + keyLength;
        }

        return (keys, children);
    }

    /// <summary>Overflow pages already written for this value instance (shared by every node version holding it).</summary>
    public ulong[]? ChainOf(byte[] value) => _chains.TryGetValue(value, out var pages) ? pages : null;

    public void RememberChain(byte[] value, ulong[] pages) => _chains.AddOrUpdate(value, pages);

    public void ForgetChain(byte[] value) => _chains.Remove(value);

    /// <summary>Reads a byte string stored across an overflow chain, returning it and the pages it used.</summary>
    public (byte[] Data, ulong[] Pages) ReadChain(ulong first, int length)
    {
        // Checked before anything is sized by it: a length that no chain in this file can hold is damage.
        if (length < 0 || (ulong)Layout.OverflowPages(length) > PageCount)
        {
            throw Bad(first, $"a chain of {length} bytes does not fit in the {PageCount} pages of the file");
        }

        var data = new byte[length];
        var pages = new ulong[Layout.OverflowPages(length)];
        var page = first;
        var pos = 0;
        for (var i = 0; i < pages.Length; i++)
        {
            if (page == 0 || page >= PageCount)
            {
                throw Bad(first, $"overflow chain breaks after {i} pages");
            }

            var bytes = ReadPage(page, PageKind.Overflow);
            var used = PageLayout.Used(bytes);
            if (used > length - pos)
            {
                throw Bad(page, "overflow page holds more than the value");
            }

            bytes.AsSpan(PageLayout.HeaderSize, used).CopyTo(data.AsSpan(pos));
            pos += used;
            pages[i] = page;
            page = PageLayout.Next(bytes);
        }

        if (pos != length)
        {
            throw Bad(first, "overflow chain shorter than the value");
        }

        return (data, pages);
    }

    /// <summary>Writes <paramref name="data"/> to the given pages as an overflow chain.</summary>
    public void WriteChain(ReadOnlySpan<byte> data, ulong[] pages, byte[] scratch)
    {
        var pos = 0;
        for (var i = 0; i < pages.Length; i++)
        {
            var n = Math.Min(Layout.OverflowPayload, data.Length - pos);
            scratch.AsSpan().Clear();
            PageLayout.WriteHeader(scratch, pages[i], PageKind.Overflow, 0, n, i + 1 < pages.Length ? pages[i + 1] : 0);
            data.Slice(pos, n).CopyTo(scratch.AsSpan(PageLayout.HeaderSize));
            PageLayout.Seal(scratch);
            WritePage(pages[i], scratch);
            pos += n;
        }
    }

    public (MetaPage? Meta, string? Problem) ReadMeta(ulong slot)
    {
        var page = new byte[PageSize];
        var n = _file.Read((long)slot * PageSize, page);
        return n != PageSize ? (null, "missing") : MetaPage.Read(page, slot);
    }

    public void WriteMeta(MetaPage meta)
    {
        var page = new byte[PageSize];
        meta.WriteTo(page);
        WritePage(meta.Slot, page);
    }

    private CorruptionException Bad(ulong pageNo, string detail) => new(Path, (long)pageNo * PageSize, $"page {pageNo}: {detail}");

    public void Dispose() => _file.Dispose();
}
