namespace OrleansRep.Storage.Tree;

/// <summary>Sizes that follow from the page size: what fits inline, how big an entry is on a page.</summary>
internal sealed class PageLayoutInfo(int pageSize)
{
    public int PageSize { get; } = pageSize;

    /// <summary>Bytes available after the header.</summary>
    public int Capacity { get; } = PageLayout.Capacity(pageSize);

    public int MaxInlineEntry { get; } = PageLayout.MaxInlineEntry(pageSize);

    /// <summary>Bytes of data one overflow page carries.</summary>
    public int OverflowPayload { get; } = PageLayout.Capacity(pageSize);

    public bool IsInline(int keyLength, int valueLength) => keyLength + valueLength <= MaxInlineEntry;

    public int LeafEntrySize(int keyLength, int valueLength) =>
        PageLayout.LeafEntryOverhead + keyLength + (IsInline(keyLength, valueLength) ? valueLength : PageLayout.OverflowRefSize);

    public int OverflowPages(long length) => (int)((length + OverflowPayload - 1) / OverflowPayload);
}
