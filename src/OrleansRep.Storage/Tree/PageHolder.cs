namespace OrleansRep.Storage.Tree;

/// <summary>
/// The data-file page of one logical node across all its in-memory versions. A checkpoint that writes a new version
/// of the node moves the holder to the new page and frees the old one (once that checkpoint is durable). Versions
/// share the holder, so the page of the last checkpointed version is found whichever version is written next.
/// </summary>
internal sealed class PageHolder(ulong page)
{
    public ulong Page { get; set; } = page;
}
