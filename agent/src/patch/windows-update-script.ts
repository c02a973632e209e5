/**
 * Asks the Windows Update Agent what is pending, offline: `Online = $false`
 * searches the result of Windows' own last scan, so the agent never triggers a
 * scan against Windows Update or WSUS (the equivalent of never running
 * `apt update`). Prints one JSON object: update classifications as GUIDs (names
 * are localised, GUIDs are not), reboot flags per source, and the last
 * successful search and install. Titles are not printed: counts are enough.
 */
export const WINDOWS_UPDATE_PS1 = String.raw`$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false
function Iso($d) {
  if ($d -is [DateTime] -and $d.Year -gt 1601) { return $d.ToUniversalTime().ToString('o') }
  return $null
}
$out = [ordered]@{ resultCode = $null; updates = @(); rebootSystemInfo = $null; rebootCbs = $false; rebootWu = $false; rebootPfro = $false; lastSearch = $null; lastInstall = $null; lastHistoryInstall = $null; error = $null }
try {
  $session = New-Object -ComObject Microsoft.Update.Session
  $session.ClientApplicationID = 'Hallmonitor agent'
  $searcher = $session.CreateUpdateSearcher()
  $searcher.Online = $false
  $result = $searcher.Search("IsInstalled=0 and IsHidden=0")
  $out.resultCode = [int]$result.ResultCode
  $list = @()
  foreach ($u in $result.Updates) {
    $cats = @()
    foreach ($c in $u.Categories) { $cats += [string]$c.CategoryID }
    $kbs = @()
    foreach ($k in $u.KBArticleIDs) { $kbs += [string]$k }
    $list += [ordered]@{ kb = ($kbs -join ','); msrcSeverity = [string]$u.MsrcSeverity; categories = $cats; rebootRequired = [bool]$u.RebootRequired }
  }
  $out.updates = $list
  $au = (New-Object -ComObject Microsoft.Update.AutoUpdate).Results
  $out.lastSearch = Iso $au.LastSearchSuccessDate
  $out.lastInstall = Iso $au.LastInstallationSuccessDate
  $out.rebootSystemInfo = [bool](New-Object -ComObject Microsoft.Update.SystemInfo).RebootRequired
  $total = $searcher.GetTotalHistoryCount()
  if ($total -gt 0) {
    $latest = $null
    foreach ($h in $searcher.QueryHistory(0, [Math]::Min($total, 500))) {
      # Operation 1 = installation, ResultCode 2 = succeeded. Defender definitions arrive
      # several times a day and say nothing about OS patching, so they are left out.
      if ($h.Operation -ne 1 -or $h.ResultCode -ne 2) { continue }
      $definition = $false
      foreach ($c in $h.Categories) { if ([string]$c.CategoryID -eq 'e0789628-ce08-4437-be74-2495b842f43b') { $definition = $true } }
      if ($definition -or $h.Title -match 'KB2267602|KB2310138|KB4052623') { continue }
      if ($latest -eq $null -or $h.Date -gt $latest) { $latest = $h.Date }
    }
    $out.lastHistoryInstall = Iso $latest
  }
} catch {
  $out.error = [string]$_.Exception.HResult
}
$out.rebootCbs = Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
$out.rebootWu = Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
$pfro = (Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue).PendingFileRenameOperations
$out.rebootPfro = [bool]$pfro
$out | ConvertTo-Json -Depth 5 -Compress
`;
