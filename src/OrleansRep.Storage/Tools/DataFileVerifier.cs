using System.Buffers.Binary;
using System.Text;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Tree;

namespace OrleansRep.Storage.Tools;

/// <summary>
/// Checks the data file <c>orep.db</c> for <see cref="Verifier"/>: both meta pages, then from the current one the
/// catalog and free-list blobs and every database's tree, page by page, and finally the accounting of every page
/// below the checkpoint's page count. It reads pages itself instead of going through <see cref="PageStore"/>, which
/// throws at the first damage; here every finding is recorded and the walk goes on where it still can.
/// </summary>
/// <remarks>
/// <para>
/// Why pages that are neither reachable nor free ("leaked") are a note and not a problem. By construction of
/// <see cref="Checkpointer.Run"/>, every page below a meta's page count is exactly one of: a meta page (0, 1), a
/// page of that checkpoint's trees or large values, a page of its catalog or free-list blob, or an entry of its
/// free list (which is the previous free list minus what this checkpoint took, plus the pages released by commits
/// up to its snapshot, plus the previous checkpoint's blob pages). A crash cannot break that: a checkpoint that did
/// not finish took its pages either from the previous checkpoint's free list, which the surviving meta still lists
/// as free, or from beyond the previous page count, which is outside the range checked here (those pages only make
/// the file longer than the page count, reported as a note of its own). Redo after a crash recomputes the releases
/// of the commits it replays, from the same pages. So a leaked page is not crash debris: it means the engine lost
/// track of a page (a release that was never recorded). That is worth reporting, but it is not damage: every
/// reachable page is intact, open and recovery are unaffected, and the cost is only disk space the file keeps
/// until it is rebuilt. Failing verify for it would tell an operator to restore data that is all there, so it is a
/// note, and the note says that it points to an engine bug.
/// </para>
/// <para>
/// Free pages' contents are not checked: they hold whatever was there when the page was released.
/// </para>
/// </remarks>
internal sealed class DataFileVerifier
{
    private static readonly int[] PageSizes = [4096, 8192, 16384, 32768, 65536];

    // A B+tree whose every page holds at least two children is no deeper than 64 levels for any file that fits a
    // 64-bit offset; a catalog claiming more is damaged.
    private const int MaxLevel = 64;

    private const int Unclaimed = 0;
    private const int FreeListed = 1;
    private const int CatalogBlob = 2;
    private const int FreeListBlob = 3;

    private readonly IStorageFile _file;
    private readonly string _path;
    private readonly VerifyFindings _findings;
    private readonly long _fileLength;
    private readonly int _problemsBefore;
    // What a page is used as, by owner index; per database two more: its tree pages and its large values.
    private readonly List<string> _ownerNames = ["nothing", "an entry of the free list", "a page of the catalog", "a page of the free-list blob"];
    private PageLayoutInfo _layout = new(16 << 10);
    private MetaPage _meta = null!;
    private ulong _slot;

    // Who uses each page below min(page count, pages in the file): an index into _ownerNames. An int per page is
    // small next to the page itself and lets a double use name both users.
    private int[] _owner = [];

    public DataFileVerifier(IStorageFile file, VerifyFindings findings)
    {
        _file = file;
        _path = file.Path;
        _findings = findings;
        _fileLength = file.Length;
        _problemsBefore = findings.Problems.Count;
    }

    private int PageSize => _layout.PageSize;

    /// <summary>Checks the file; returns the meta that opening would use (null when neither is sound).</summary>
    public MetaPage? Run()
    {
        var meta = ChooseMeta();
        if (meta == null)
        {
            return null;
        }

        _meta = meta;
        CheckExtent();
        var catalog = ReadCatalog();
        ReadFreeList();
        if (catalog != null)
        {
            WalkDatabases(catalog);
        }

        CountLeaks();
        return meta;
    }

    private MetaPage? ChooseMeta()
    {
        // The page size is in the meta body. Try the size page 0 states first, then every legal size: page 0 may be
        // the damaged one and page 1 still good.
        Span<byte> head = stackalloc byte[PageLayout.HeaderSize + 16];
        var declared = _file.Read(0, head) == head.Length ? BinaryPrimitives.ReadInt32LittleEndian(head[(PageLayout.HeaderSize + 12)..]) : 0;
        var sizes = PageSizes.Contains(declared) ? PageSizes.Where(s => s != declared).Prepend(declared).ToArray() : PageSizes;
        (string? Why0, string? Why1) firstTry = (null, null);
        foreach (var size in sizes)
        {
            var (m0, why0) = ReadMeta(0, size);
            var (m1, why1) = ReadMeta(1, size);
            if (size == sizes[0])
            {
                firstTry = (why0 ?? (m0!.PageSize != size ? $"states page size {m0.PageSize}" : null), why1);
            }

            var best = m0 == null ? m1 : m1 == null ? m0 : m0.Sequence >= m1.Sequence ? m0 : m1;
            if (best == null || best.PageSize != size)
            {
                continue;
            }

            _layout = new PageLayoutInfo(size);
            var slot = best == m0 ? 0UL : 1UL;
            var (other, otherWhy) = slot == 0 ? (m1, why1) : (m0, why0);
            var otherSlot = 1 - slot;
            _findings.PageSize = size;
            _findings.PageCount = best.PageCount;
            _findings.CheckpointSequence = best.Sequence;
            _findings.MetaSlot = slot;
            _slot = slot;
            _findings.RedoLsn = best.RedoLsn;
            _findings.PagesChecked += (why0 == "missing" ? 0 : 1) + (why1 == "missing" ? 0 : 1);
            if (other == null)
            {
                // Page 1 does not exist until the first checkpoint completes; that is not worth a note.
                if (!(otherWhy == "missing" && best.Sequence == 0))
                {
                    _findings.Note($"{MetaAt(otherSlot)}: unusable ({otherWhy}); using checkpoint {best.Sequence} from meta page {slot}");
                }
            }
            else if (best.Sequence > 0 && other.Sequence + 1 != best.Sequence)
            {
                _findings.Note($"{MetaAt(otherSlot)}: holds checkpoint {other.Sequence}, expected {best.Sequence - 1} next to checkpoint {best.Sequence} in meta page {slot}");
            }

            return best;
        }

        var size0 = sizes[0];
        _findings.Problem(
            $"neither meta page is sound: {VerifyFindings.At(_path, 0, "meta page 0")}: {firstTry.Why0 ?? "not usable"}; " +
            $"{VerifyFindings.At(_path, size0, "meta page 1")}: {firstTry.Why1 ?? "not usable"}");
        return null;
    }

    private (MetaPage? Meta, string? Why) ReadMeta(ulong slot, int size)
    {
        var page = new byte[size];
        var n = _file.Read((long)slot * size, page);
        return n == size ? MetaPage.Read(page, slot) : (null, n == 0 ? "missing" : "cut short by the end of the file");
    }

    private string MetaAt(ulong slot) => VerifyFindings.At(_path, (long)slot * PageSize, $"meta page {slot}");

    /// <summary>The file against the page count: too short is damage, longer is an unfinished checkpoint's pages.</summary>
    private void CheckExtent()
    {
        var filePages = (ulong)(_fileLength / PageSize);
        if (_meta.PageCount < 2)
        {
            _findings.Problem($"{MetaAt(_slot)}: page count {_meta.PageCount} is below 2");
        }

        // Page 1 is first written by checkpoint 1: a file that never had a checkpoint may end after page 0.
        if (_meta.PageCount > filePages && _meta.PageCount > 2)
        {
            _findings.Problem(
                $"{VerifyFindings.At(_path, _fileLength, "end of file")}: the file has {filePages} whole pages but checkpoint {_meta.Sequence} accounts for {_meta.PageCount}; the data file is truncated");
        }
        else if ((ulong)_fileLength > _meta.PageCount * (ulong)PageSize)
        {
            var extra = _fileLength - ((long)_meta.PageCount * PageSize);
            _findings.Note(
                $"{VerifyFindings.At(_path, (long)_meta.PageCount * PageSize, $"page {_meta.PageCount}")}: {extra} bytes past the page count of checkpoint {_meta.Sequence}, " +
                "written by a checkpoint that did not complete; the next checkpoint reuses them");
        }

        var tracked = Math.Min(Math.Min(_meta.PageCount, filePages), int.MaxValue);
        _owner = new int[tracked];
    }

    private List<(uint Id, string Name, ulong Page, int Level)>? ReadCatalog()
    {
        if (_meta.CatalogPage == 0)
        {
            if (_meta.CatalogBytes != 0)
            {
                _findings.Problem($"{MetaAt(_slot)}: catalog of {_meta.CatalogBytes} bytes without a first page");
            }

            return [];
        }

        var bytes = ReadBlob(_meta.CatalogPage, _meta.CatalogBytes, CatalogBlob, "the catalog");
        if (bytes == null)
        {
            return null;
        }

        var where = VerifyFindings.At(_path, (long)_meta.CatalogPage * PageSize, $"page {_meta.CatalogPage}, catalog");

        // An entry is at least id (4) + name length (2) + root page (8) + level (1); checking the count first keeps
        // DecodeCatalog from sizing a list by a damaged number.
        var count = bytes.Length >= 8 ? BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)) : -1;
        if (count < 0 || count > (bytes.Length - 8) / 15)
        {
            _findings.Problem($"{where}: {(bytes.Length < 8 ? "shorter than its header" : $"claims {count} databases, more than its {bytes.Length} bytes can hold")}");
            return null;
        }

        uint nextId;
        List<(uint Id, string Name, ulong Page, int Level)> roots;
        try
        {
            (nextId, roots) = Checkpointer.DecodeCatalog(bytes);
        }
        catch (EndOfStreamException)
        {
            _findings.Problem($"{where}: the catalog is truncated");
            return null;
        }

        var ids = new HashSet<uint>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, name, page, level) in roots)
        {
            if (!ids.Add(id))
            {
                _findings.Problem($"{where}: database id {id} appears twice");
            }

            if (!names.Add(name))
            {
                _findings.Problem($"{where}: database name '{name}' appears twice");
            }

            if (id >= nextId)
            {
                _findings.Problem($"{where}: database '{name}' has id {id}, not below the next id {nextId}");
            }

            if (level > MaxLevel)
            {
                _findings.Problem($"{where}: database '{name}' has a tree of implausible height {level}");
            }
        }

        return roots;
    }

    private void ReadFreeList()
    {
        if (_meta.FreeListPage == 0)
        {
            if (_meta.FreeListBytes != 0)
            {
                _findings.Problem($"{MetaAt(_slot)}: free list of {_meta.FreeListBytes} bytes without a first page");
            }

            return;
        }

        var where = VerifyFindings.At(_path, (long)_meta.FreeListPage * PageSize, $"page {_meta.FreeListPage}, free list");
        if (_meta.FreeListBytes % 8 != 0)
        {
            _findings.Problem($"{where}: {_meta.FreeListBytes} bytes is not a whole number of 8-byte page numbers");
        }

        var bytes = ReadBlob(_meta.FreeListPage, _meta.FreeListBytes, FreeListBlob, "the free list");
        if (bytes == null)
        {
            return;
        }

        for (var i = 0; i + 8 <= bytes.Length; i += 8)
        {
            var page = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i));
            if (page < 2 || page >= _meta.PageCount)
            {
                _findings.Problem($"{where}: entry {i / 8} names page {page}, outside 2..{_meta.PageCount - 1}");
            }
            else if (page < (ulong)_owner.Length)
            {
                var owner = _owner[page];
                if (owner == FreeListed)
                {
                    _findings.Problem($"{where}: page {page} is listed twice");
                }
                else if (owner != Unclaimed)
                {
                    _findings.Problem($"{where}: page {page} is in the free list but is also used as {_ownerNames[owner]}");
                }
                else
                {
                    _owner[page] = FreeListed;
                    _findings.FreePages++;
                }
            }
        }
    }

    private void WalkDatabases(List<(uint Id, string Name, ulong Page, int Level)> catalog)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, name, root, level) in catalog)
        {
            // A duplicate name is already a problem; keep both databases' counts apart in the report.
            var label = seen.Add(name) ? name : $"{name}#{id}";
            var treeOwner = _ownerNames.Count;
            _ownerNames.Add($"a page of database '{label}'");
            _ownerNames.Add($"a page of a large value in database '{label}'");
            long entries = 0;
            if (root != 0 && level <= MaxLevel)
            {
                var from = VerifyFindings.At(_path, (long)_meta.CatalogPage * PageSize, $"page {_meta.CatalogPage}, catalog entry of database '{label}'");
                WalkNode(new TreeContext(label, treeOwner), root, level, null, null, from, ref entries);
            }

            _findings.Entries.Add(new KeyValuePair<string, long>(label, entries));
        }
    }

    private void WalkNode(TreeContext tree, ulong pageNo, int level, byte[]? low, byte[]? high, string from, ref long entries)
    {
        if (!Claim(pageNo, tree.PageOwner, from))
        {
            return;
        }

        var role = level == 0 ? $"leaf of database '{tree.Name}'" : $"branch at level {level} of database '{tree.Name}'";
        var where = VerifyFindings.At(_path, (long)pageNo * PageSize, $"page {pageNo}, {role}");
        var problem = ReadPage(pageNo, level == 0 ? PageKind.Leaf : PageKind.Branch, out var page);
        if (problem != null)
        {
            _findings.Problem($"{where}: {problem}");
            return;
        }

        if (PageLayout.Level(page) != level)
        {
            _findings.Problem($"{where}: level field says {PageLayout.Level(page)}, expected {level} below its parent");
            return;
        }

        if (level == 0)
        {
            _findings.LeafPages++;
            CheckLeaf(tree, page, where, low, high, ref entries);
            return;
        }

        _findings.BranchPages++;
        var branch = ParseBranch(page, where);
        if (branch == null)
        {
            return;
        }

        var (keys, children) = branch.Value;
        for (var i = 0; i < keys.Length; i++)
        {
            if (i > 0 && Compare(keys[i - 1], keys[i]) >= 0)
            {
                _findings.Problem($"{where}: separators out of order: {KeyText(keys[i])} (separator {i}) is not after {KeyText(keys[i - 1])}");
                return;
            }

            if ((low != null && Compare(keys[i], low) < 0) || (high != null && Compare(keys[i], high) > 0))
            {
                _findings.Problem($"{where}: separator {i} {KeyText(keys[i])} is outside the range [{KeyText(low)}, {KeyText(high)}) its parent gives this page");
            }
        }

        for (var i = 0; i < children.Length; i++)
        {
            var childFrom = VerifyFindings.At(_path, (long)pageNo * PageSize, $"page {pageNo}, child {i} of {role}");
            WalkNode(tree, children[i], level - 1, i == 0 ? low : keys[i - 1], i == children.Length - 1 ? high : keys[i], childFrom, ref entries);
        }
    }

    private (byte[][] Keys, ulong[] Children)? ParseBranch(byte[] page, string where)
    {
        var count = PageLayout.Count(page);
        var end = PageLayout.HeaderSize + PageLayout.Used(page);
        if (count < 1)
        {
            _findings.Problem($"{where}: branch without children");
            return null;
        }

        var pos = PageLayout.HeaderSize;
        if (pos + 8 > end)
        {
            _findings.Problem($"{where}: first child runs past the used area");
            return null;
        }

        var children = new ulong[count];
        var keys = new byte[count - 1][];
        children[0] = BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(pos));
        pos += 8;
        for (var i = 1; i < count; i++)
        {
            var keyLength = pos + 2 <= end ? BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(pos)) : int.MaxValue;
            if ((long)pos + PageLayout.BranchEntryOverhead + keyLength > end)
            {
                _findings.Problem($"{where}: separator {i - 1} of {count - 1} runs past the used area");
                return null;
            }

            keys[i - 1] = page.AsSpan(pos + 2, keyLength).ToArray();
            children[i] = BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(pos + 2 + keyLength));
            pos += PageLayout.BranchEntryOverhead + keyLength;
        }

        if (pos != end)
        {
            _findings.Problem($"{where}: {end - pos} bytes of the used area follow the last child");
        }

        return (keys, children);
    }

    private void CheckLeaf(TreeContext tree, byte[] page, string where, byte[]? low, byte[]? high, ref long entries)
    {
        var count = PageLayout.Count(page);
        var end = PageLayout.HeaderSize + PageLayout.Used(page);
        var pos = PageLayout.HeaderSize;
        var previous = -1;
        var previousLength = 0;
        for (var i = 0; i < count; i++)
        {
            if (pos + PageLayout.LeafEntryOverhead > end)
            {
                _findings.Problem($"{where}: entry {i} of {count} runs past the used area");
                return;
            }

            int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(pos));
            var flags = page[pos + 2];
            var valueLength = BinaryPrimitives.ReadInt32LittleEndian(page.AsSpan(pos + 3));
            pos += PageLayout.LeafEntryOverhead;
            var onOverflow = (flags & PageLayout.ValueOnOverflow) != 0;
            var stored = onOverflow ? PageLayout.OverflowRefSize : valueLength;
            if ((flags & ~PageLayout.ValueOnOverflow) != 0)
            {
                _findings.Problem($"{where}: entry {i} has unknown flags 0x{flags:x2}");
                return;
            }

            if (valueLength < 0 || (long)pos + keyLength + stored > end)
            {
                _findings.Problem($"{where}: entry {i} of {count} (key {keyLength} bytes, value {valueLength} bytes) runs past the used area");
                return;
            }

            var key = page.AsSpan(pos, keyLength);
            if (previous >= 0 && page.AsSpan(previous, previousLength).SequenceCompareTo(key) >= 0)
            {
                _findings.Problem($"{where}: keys out of order: entry {i} {KeyText(key)} is not after {KeyText(page.AsSpan(previous, previousLength))}");
            }

            if ((low != null && key.SequenceCompareTo(low) < 0) || (high != null && key.SequenceCompareTo(high) >= 0))
            {
                _findings.Problem($"{where}: entry {i} {KeyText(key)} is outside the range [{KeyText(low)}, {KeyText(high)}) its parent gives this page");
            }

            previous = pos;
            previousLength = keyLength;
            pos += keyLength;
            if (onOverflow)
            {
                var first = BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(pos));
                var what = $"the value of key {KeyText(key)} in database '{tree.Name}'";
                if (valueLength == 0)
                {
                    _findings.Problem($"{where}: entry {i} {KeyText(key)} refers to overflow pages for an empty value");
                }
                else
                {
                    WalkChain(first, valueLength, tree.PageOwner + 1, what, null, $"{where}, entry {i}");
                }
            }

            pos += stored;
            entries++;
        }

        if (pos != end)
        {
            _findings.Problem($"{where}: {end - pos} bytes of the used area follow the last of {count} entries");
        }
    }

    /// <summary>Reads the catalog or free-list blob; null (with the problem recorded) when its chain is broken.</summary>
    private byte[]? ReadBlob(ulong first, int length, int owner, string what)
    {
        var where = VerifyFindings.At(_path, (long)_slot * PageSize, $"meta page {_slot}");
        // Against the pages the file really has, not the page count: a damaged length must not size an allocation.
        if (length < 0 || _layout.OverflowPages(length) > _owner.Length)
        {
            _findings.Problem($"{where}: {what} is said to be {length} bytes, more than the data file can hold");
            return null;
        }

        var data = new byte[length];
        return WalkChain(first, length, owner, what, data, where) ? data : null;
    }

    /// <summary>Follows an overflow chain: the right number of pages, each sound and full but the last, ending in 0.</summary>
    private bool WalkChain(ulong first, long length, int owner, string what, byte[]? data, string from)
    {
        var pages = _layout.OverflowPages(length);
        var page = first;
        long pos = 0;
        for (var i = 0; i < pages; i++)
        {
            if (page == 0)
            {
                _findings.Problem($"{from}: the chain of {what} ends after {i} of {pages} pages");
                return false;
            }

            if (!Claim(page, owner, from))
            {
                return false;
            }

            var where = VerifyFindings.At(_path, (long)page * PageSize, $"page {page}, overflow page {i + 1} of {pages} of {what}");
            var problem = ReadPage(page, PageKind.Overflow, out var bytes);
            if (problem != null)
            {
                _findings.Problem($"{where}: {problem}");
                return false;
            }

            if (owner is CatalogBlob or FreeListBlob)
            {
                _findings.BlobPages++;
            }
            else
            {
                _findings.OverflowPages++;
            }

            var used = PageLayout.Used(bytes);
            var expected = (int)Math.Min(_layout.OverflowPayload, length - pos);
            if (used != expected)
            {
                _findings.Problem($"{where}: holds {used} bytes, expected {expected}");
                return false;
            }

            if (data != null)
            {
                bytes.AsSpan(PageLayout.HeaderSize, used).CopyTo(data.AsSpan((int)pos));
            }

            pos += used;
            page = PageLayout.Next(bytes);
            if (i == pages - 1 && page != 0)
            {
                _findings.Problem($"{where}: the last page of the chain points on to page {page}");
            }

            from = where;
        }

        return true;
    }

    /// <summary>Records that <paramref name="owner"/> uses the page; false (with the problem recorded) if it cannot.</summary>
    private bool Claim(ulong page, int owner, string from)
    {
        if (page < 2)
        {
            _findings.Problem($"{from}: refers to meta page {page} as {_ownerNames[owner]}");
            return false;
        }

        if (page >= _meta.PageCount)
        {
            _findings.Problem($"{from}: refers to page {page}, beyond the page count {_meta.PageCount} of checkpoint {_meta.Sequence}");
            return false;
        }

        if (page >= (ulong)_owner.Length)
        {
            _findings.Problem($"{from}: refers to page {page}, past the end of the file");
            return false;
        }

        var current = _owner[page];
        if (current != Unclaimed)
        {
            _findings.Problem($"{from}: page {page} is used twice: as {_ownerNames[current]} and as {_ownerNames[owner]}");
            return false;
        }

        _owner[page] = owner;
        return true;
    }

    /// <summary>Reads and checks one page; null when sound and of the expected kind, else what is wrong.</summary>
    private string? ReadPage(ulong pageNo, PageKind expected, out byte[] page)
    {
        page = new byte[PageSize];
        var n = _file.Read((long)pageNo * PageSize, page);
        _findings.PagesChecked++;
        if (n != PageSize)
        {
            return "past the end of the file";
        }

        var problem = PageLayout.Check(page, pageNo);
        if (problem != null)
        {
            return problem;
        }

        var kind = PageLayout.Kind(page);
        return kind != expected ? $"{KindName(kind)} page where {KindName(expected)} page was expected" : null;
    }

    private static string KindName(PageKind kind) => kind switch
    {
        PageKind.Free => "a free",
        PageKind.Meta => "a meta",
        PageKind.Leaf => "a leaf",
        PageKind.Branch => "a branch",
        PageKind.Overflow => "an overflow",
        _ => $"a kind-{(byte)kind}",
    };

    private void CountLeaks()
    {
        var ranges = new List<string>();
        long leaked = 0;
        for (var p = 2; p < _owner.Length; p++)
        {
            if (_owner[p] != Unclaimed)
            {
                continue;
            }

            var start = p;
            while (p + 1 < _owner.Length && _owner[p + 1] == Unclaimed)
            {
                p++;
            }

            leaked += p - start + 1;
            if (ranges.Count < 10)
            {
                ranges.Add(p == start ? $"{start}" : $"{start}-{p}");
            }
        }

        if (leaked == 0)
        {
            return;
        }

        var list = $"{string.Join(", ", ranges)}{(ranges.Count == 10 ? ", ..." : "")}";
        if (_findings.Problems.Count > _problemsBefore)
        {
            // The walk stopped at damage, so pages below it were never reached: that is not a leak.
            _findings.Note($"{_path}: {leaked} pages were neither reached nor free ({list}); with the problems above the walk is incomplete, so they are not counted as leaked");
            return;
        }

        _findings.LeakedPages = leaked;
        _findings.Note(
            $"{_path}: {leaked} pages leaked (neither reachable nor free): {list}. " +
            "No data is lost, the space is; a crash cannot cause this, so it points to a page-accounting bug in the engine");
    }

    private static int Compare(byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b);

    /// <summary>A key as a person can read it: text when it is printable ASCII, else hex; long keys are cut.</summary>
    internal static string KeyText(ReadOnlySpan<byte> key)
    {
        const int Shown = 40;
        var part = key[..Math.Min(key.Length, Shown)];
        var more = key.Length > Shown ? "..." : "";
        return part.ContainsAnyExceptInRange((byte)0x20, (byte)0x7e)
            ? $"0x{Convert.ToHexString(part)}{more}"
            : $"'{Encoding.ASCII.GetString(part)}'{more}";
    }

    private static string KeyText(byte[]? bound) => bound == null ? "-" : KeyText(bound.AsSpan());

    /// <summary>The database a tree walk is in, and the owner index of its pages (the next index is its large values).</summary>
    private readonly record struct TreeContext(string Name, int PageOwner);
}
