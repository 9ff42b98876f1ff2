import { getCurrentInstance, onBeforeUnmount, ref } from 'vue'

/**
 * Calls `fn` every `interval` ms while active, never overlapping two calls; stops when the
 * component unmounts.
 *
 *   const poll = usePolling(async () => { run.value = await getRun(id); return run.value.status === 'running' }, 1000)
 *   poll.start()        // first call right away (start({ immediate: false }) waits one interval)
 *   poll.stop()
 *
 * When `fn` resolves to `false` the polling stops by itself; any other value keeps it going.
 * Errors are swallowed (the HTTP client shows them) and the polling goes on.
 */
export function usePolling(fn, interval = 1000) {
  const active = ref(false)
  let timer = null
  let seq = 0

  function clear() {
    if (timer) clearTimeout(timer)
    timer = null
  }

  async function tick(mine) {
    if (mine !== seq) return
    let again = true
    try {
      again = (await fn()) !== false
    } catch {
      again = true
    }
    if (mine !== seq) return
    if (!again) {
      active.value = false
      return
    }
    timer = setTimeout(() => tick(mine), interval)
  }

  function start({ immediate = true } = {}) {
    clear()
    const mine = ++seq
    active.value = true
    if (immediate) tick(mine)
    else timer = setTimeout(() => tick(mine), interval)
  }

  function stop() {
    seq++
    clear()
    active.value = false
  }

  if (getCurrentInstance()) onBeforeUnmount(stop)

  return { active, start, stop }
}
