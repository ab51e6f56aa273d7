// The widget's SIP client (JsSIP) as a script of its own, widget-sip.js: the widget stays small
// and loads this only when a customer calls.
import JsSIP from 'jssip'

;(window as unknown as { SwitchboardSip: typeof JsSIP }).SwitchboardSip = JsSIP
